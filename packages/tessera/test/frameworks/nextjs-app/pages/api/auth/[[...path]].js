// Pages router: tessera's API through the Express adapter's middleware, inside superTokensNextWrapper.
import { middleware } from "tessera/framework/express";
import { superTokensNextWrapper } from "tessera/nextjs";
import { ensureInit } from "../../../lib/tessera";

export default async function auth(req, res) {
  ensureInit();
  await superTokensNextWrapper(async (next) => {
    await middleware()(req, res, next);
  }, req, res);
  // Not one of tessera's endpoints: the middleware called next().
  res.status(404).json({ message: "not found" });
}

import { superTokensNextWrapper } from "tessera/nextjs";
import { verifySession } from "tessera/recipe/session/framework/express";
import { ensureInit } from "../../lib/tessera";

export default async function protectedRoute(req, res) {
  ensureInit();
  await superTokensNextWrapper(async (next) => {
    await verifySession()(req, res, next);
  }, req, res);
  res.status(200).json({ userId: req.session.getUserId() });
}

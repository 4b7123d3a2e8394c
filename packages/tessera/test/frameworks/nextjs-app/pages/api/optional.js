import { superTokensNextWrapper } from "tessera/nextjs";
import { verifySession } from "tessera/recipe/session/framework/express";
import { ensureInit } from "../../lib/tessera";

export default async function optional(req, res) {
  ensureInit();
  await superTokensNextWrapper(async (next) => {
    await verifySession({ sessionRequired: false })(req, res, next);
  }, req, res);
  res.status(200).json({ userId: req.session?.getUserId() ?? null });
}

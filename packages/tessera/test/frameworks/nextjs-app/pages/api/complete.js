import { superTokensNextWrapper } from "tessera/nextjs";
import { verifySession } from "tessera/recipe/session/framework/express";
import { SecondFactorClaim } from "../../seed/second-factor-claim";
import { ensureInit } from "../../lib/tessera";

export default async function complete(req, res) {
  ensureInit();
  await superTokensNextWrapper(async (next) => {
    await verifySession()(req, res, next);
  }, req, res);
  await req.session.setClaimValue(SecondFactorClaim, true);
  res.status(200).json({});
}

import { withSession } from "tessera/nextjs";
import { SecondFactorClaim } from "../../seed/second-factor-claim";
import { ensureInit } from "../../lib/tessera";

export function POST(request) {
  ensureInit();
  return withSession(request, async (error, session) => {
    if (error) throw error;
    await session.setClaimValue(SecondFactorClaim, true);
    return Response.json({});
  });
}

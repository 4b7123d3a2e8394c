// A server component: the session from the request's cookies, rendered as JSON for the test to read.
import { cookies } from "next/headers";
import { getSSRSession } from "tessera/nextjs";
import { SecondFactorClaim } from "../../seed/second-factor-claim";
import { ensureInit } from "../../lib/tessera";

export const dynamic = "force-dynamic";

export default async function SSRPage({ searchParams }) {
  ensureInit();
  const { claim } = await searchParams;
  const options = claim ? { overrideGlobalClaimValidators: (globalValidators) => [...globalValidators, SecondFactorClaim.validators.hasValue(true)] } : undefined;
  const result = await getSSRSession((await cookies()).getAll(), options);
  const shown = {
    userId: result.session?.getUserId() ?? null,
    payloadSub: result.accessTokenPayload?.sub ?? null,
    hasToken: result.hasToken,
    hasInvalidClaims: result.hasInvalidClaims,
    error: result.error?.type ?? null,
    errorStatus: result.errorResponse?.status ?? null,
    errorBody: result.errorResponse ? await result.errorResponse.json() : null,
  };
  return <pre id="ssr-session">{JSON.stringify(shown)}</pre>;
}

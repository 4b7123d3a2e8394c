/**
 * The default APIInterface of the recovery-codes recipe and the rule for who may create codes.
 *
 * `POST /recovery-codes` (create, or replace the whole set) is allowed only when:
 * 1. the user has a second factor other than recovery codes set up (codes back a factor up;
 *    they are not a factor on their own) — else `NO_SECOND_FACTOR_ERROR`;
 * 2. the session has completed MFA (`st-mfa` `v: true`) — else 403 `st-mfa`; and
 * 3. the session completed one of those factors, or a recovery code, within
 *    `maxFactorAgeSeconds` (default 900) — else 403 `st-mfa` naming the factors.
 *
 * Right after a user verifies their first TOTP device all three hold (the device check marks
 * `totp` complete in the session), so the first set comes with the setup; replacing it later
 * needs a fresh `POST /totp/verify` (or a recovery code). A session that only passed the
 * password never qualifies, whatever the MFA policy.
 */
import { BadInputError, SessionError } from "../../core/errors.js";
import { now } from "../../core/clock.js";
import { readJSONBody, type HttpRequest } from "../../core/http.js";
import MultiFactorAuth, { MultiFactorAuthClaim } from "../multifactorauth/index.js";
import type { SessionContainer, UserContext } from "../session/index.js";
import type { APIInterface } from "./types.js";

export const RECOVERY_CODE_FACTOR = "recovery-code";
/** Factors that only start a sign-in; never count as the second factor that codes back up. */
const FIRST_FACTOR_ONLY = new Set(["emailpassword", "thirdparty"]);
const MAX_CODE_INPUT_LENGTH = 64;

export async function readCode(req: HttpRequest): Promise<string> {
  const body = await readJSONBody(req);
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new BadInputError("Request body must be a JSON object");
  const code = (body as Record<string, unknown>).code;
  if (typeof code !== "string") throw new BadInputError("code is required and must be a string");
  if (code.length > MAX_CODE_INPUT_LENGTH) throw new BadInputError(`code must be at most ${MAX_CODE_INPUT_LENGTH} characters`);
  return code;
}

/** `c` holds seconds; supertokens' legacy fallback wrote the session's creation time in ms. */
const toSeconds = (time: number) => (time > 100_000_000_000 ? Math.floor(time / 1000) : time);

/** Rules 2 and 3 above: throws the 403 unless the session completed MFA and one of `factors` recently. */
async function assertFreshSecondFactor(session: SessionContainer, factors: string[], maxAgeInSeconds: number, userContext: UserContext): Promise<void> {
  await MultiFactorAuth.assertMFACompleted(session, userContext);
  const completed = MultiFactorAuthClaim.getValueFromPayload(session.getAccessTokenPayload())?.c ?? {};
  const nowSeconds = Math.floor(now() / 1000);
  const fresh = factors.some((id) => {
    const at = completed[id];
    return typeof at === "number" && nowSeconds - toSeconds(at) <= maxAgeInSeconds;
  });
  if (!fresh) {
    throw SessionError.invalidClaims([
      { id: MultiFactorAuthClaim.key, reason: { message: "a second factor must be completed recently to create recovery codes", oneOf: factors, maxAgeInSeconds } },
    ]);
  }
}

export function makeDefaultAPIs(): APIInterface {
  return {
    createRecoveryCodesPOST: async ({ options, session, userContext }) => {
      const userId = session.getUserId();
      const setUp = await MultiFactorAuth.getFactorsSetupForUser(userId, userContext);
      const backedUp = setUp.filter((id) => id !== RECOVERY_CODE_FACTOR && !FIRST_FACTOR_ONLY.has(id));
      if (backedUp.length === 0) return { status: "NO_SECOND_FACTOR_ERROR" };
      await assertFreshSecondFactor(session, [...backedUp, RECOVERY_CODE_FACTOR], options.config.maxFactorAgeSeconds, userContext);
      return options.recipeImplementation.createRecoveryCodes({ userId, userContext });
    },

    getRecoveryCodesGET: async ({ options, session, userContext }) => ({
      status: "OK",
      remainingCodes: await options.recipeImplementation.getRemainingCodeCount({ userId: session.getUserId(), userContext }),
    }),

    verifyRecoveryCodePOST: async ({ code, options, session, userContext }) => {
      const result = await options.recipeImplementation.verifyRecoveryCode({ userId: session.getUserId(), code, userContext });
      // Updates `st-mfa`; the new access and front tokens go out with this response.
      if (result.status === "OK") await MultiFactorAuth.markFactorAsCompleteInSession(session, RECOVERY_CODE_FACTOR, userContext);
      return result;
    },
  };
}

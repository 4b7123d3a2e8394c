/**
 * `tessera/recipe/recoverycodes`: single-use recovery codes, the second factor for when the
 * phone with the authenticator is lost. A factor of its own, `recovery-code`, registered with
 * MultiFactorAuth; needs the session and multifactorauth recipes.
 *
 * - `POST {apiBasePath}/recovery-codes` creates a set of 10 (replacing any old set) and returns
 *   it once; it needs a session that completed MFA and, within 15 min, a second factor the user
 *   has set up (right after TOTP setup, that holds). See api.ts for the exact rule.
 * - `POST {apiBasePath}/recovery-codes/verify` `{code}` uses one up and marks `recovery-code`
 *   complete in the session; failures count on the second-factor run shared with TOTP and on
 *   the account's lockout (core/limits.ts). `GET {apiBasePath}/recovery-codes` counts those left.
 *
 * How a code stands in for TOTP: MFA's default requirement is "one of" the required factors. A
 * user who has unused codes has `recovery-code` set up, so under a policy whose factors are the
 * default ones (`"users-with-factors"`, or `"everyone"` without `factors`) the requirement is
 * `{ oneOf: ["totp", "recovery-code"] }` with no further code. A policy that lists its factors
 * lists both: `MultiFactorAuth.init({ requiredSecondaryFactors: ["totp", "recovery-code"] })`.
 *
 * @example
 * import RecoveryCodes from "tessera/recipe/recoverycodes";
 * tessera.init({ appInfo, recipeList: [Session.init(), EmailPassword.init(), TOTP.init(), RecoveryCodes.init(),
 *   MultiFactorAuth.init({ firstFactors: ["emailpassword"], policy: "users-with-factors" })] });
 */
import type { RecipeFactory } from "../../core/recipe.js";
import { getRecoveryCodesRecipe, recoveryCodesRecipeFactory } from "./recipe.js";
import type { CreateRecoveryCodesResponse, RecoveryCodesConfig, UserContext, VerifyRecoveryCodeResponse } from "./types.js";

export type { APIInterface, APIOptions, CreateRecoveryCodesResponse, RecipeInterface, RecoveryCodesConfig, VerifyRecoveryCodeResponse } from "./types.js";

/** The factor id of a recovery code in `st-mfa` and in requirement lists. */
export const RECOVERY_CODE_FACTOR_ID = "recovery-code";

const impl = () => getRecoveryCodesRecipe().recipeImplementation;

/** Builds the recovery-codes recipe for `recipeList`. */
export function init(config?: RecoveryCodesConfig): RecipeFactory {
  return recoveryCodesRecipeFactory(config);
}

/** Creates a new set for the user, replacing the old one, and returns the codes (show them once). No session rule here: the endpoint applies it. */
export async function createRecoveryCodes(userId: string, userContext: UserContext = {}): Promise<CreateRecoveryCodesResponse> {
  return impl().createRecoveryCodes({ userId, userContext });
}

/** Checks a code and uses it up (the shared attempt limits apply). Marks nothing in a session. */
export async function verifyRecoveryCode(userId: string, code: string, userContext: UserContext = {}): Promise<VerifyRecoveryCodeResponse> {
  return impl().verifyRecoveryCode({ userId, code, userContext });
}

/** How many unused codes the user has. */
export async function getRemainingCodeCount(userId: string, userContext: UserContext = {}): Promise<number> {
  return impl().getRemainingCodeCount({ userId, userContext });
}

/** Deletes the user's codes (e.g. when an admin resets their factors). */
export async function removeRecoveryCodes(userId: string, userContext: UserContext = {}): Promise<{ status: "OK"; didCodesExist: boolean }> {
  return impl().removeRecoveryCodes({ userId, userContext });
}

const RecoveryCodes = { init, createRecoveryCodes, verifyRecoveryCode, getRemainingCodeCount, removeRecoveryCodes, RECOVERY_CODE_FACTOR_ID };

export default RecoveryCodes;

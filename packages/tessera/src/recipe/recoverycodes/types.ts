/** Types of the recovery-codes recipe, declared once here and imported everywhere else. */
import type { HttpRequest, HttpResponse } from "../../core/http.js";
import type { SessionContainer, UserContext } from "../session/index.js";
import type { RecipeOverride } from "../../core/override.js";

export type { UserContext } from "../session/index.js";

/** `RecoveryCodes.init(config)`: every field is optional. */
export interface RecoveryCodesConfig {
  /** Codes in a set (default 10). */
  count?: number;
  /**
   * How recently the session must have completed a second factor to create (or replace) the
   * codes, in seconds (default 900). Right after setting up TOTP that holds; later the user
   * verifies a code again first, so a stolen old session cannot mint a fresh set.
   */
  maxFactorAgeSeconds?: number;
  override?: RecipeOverride<RecipeInterface, APIInterface>;
}

export interface NormalisedRecoveryCodesConfig {
  count: number;
  maxFactorAgeSeconds: number;
}

export type GeneralErrorResponse = { status: "GENERAL_ERROR"; message: string };

export type CreateRecoveryCodesResponse = { status: "OK"; codes: string[] };

export type VerifyRecoveryCodeResponse =
  | { status: "OK"; remainingCodes: number }
  | { status: "INVALID_RECOVERY_CODE_ERROR"; currentNumberOfFailedAttempts: number; maxNumberOfFailedAttempts: number }
  | { status: "LIMIT_REACHED_ERROR"; retryAfterMs: number }
  /** The user has no unused code (never made, all used, or removed). */
  | { status: "NO_RECOVERY_CODES_ERROR" };

/** The overridable business functions of the recipe (no HTTP, no session rules). */
export interface RecipeInterface {
  /** Makes a new set, replacing the user's old one (used codes included); returns the codes in clear, the only time they exist. */
  createRecoveryCodes(input: { userId: string; userContext: UserContext }): Promise<CreateRecoveryCodesResponse>;
  /** Checks a code behind the shared second-factor limit and uses it up, atomically. */
  verifyRecoveryCode(input: { userId: string; code: string; userContext: UserContext }): Promise<VerifyRecoveryCodeResponse>;
  getRemainingCodeCount(input: { userId: string; userContext: UserContext }): Promise<number>;
  removeRecoveryCodes(input: { userId: string; userContext: UserContext }): Promise<{ status: "OK"; didCodesExist: boolean }>;
}

export interface APIOptions {
  config: NormalisedRecoveryCodesConfig;
  recipeImplementation: RecipeInterface;
  req: HttpRequest;
  res: HttpResponse;
}

type WithSession = { options: APIOptions; session: SessionContainer; userContext: UserContext };

/** The overridable endpoints. `undefined` switches an endpoint off (404). */
export interface APIInterface {
  /** `POST /recovery-codes`: the 403 (`st-mfa`) unless the session may create codes (see the recipe's rule). */
  createRecoveryCodesPOST: undefined | ((input: WithSession) => Promise<CreateRecoveryCodesResponse | { status: "NO_SECOND_FACTOR_ERROR" } | GeneralErrorResponse>);
  /** `GET /recovery-codes`: how many unused codes the user has. */
  getRecoveryCodesGET: undefined | ((input: WithSession) => Promise<{ status: "OK"; remainingCodes: number } | GeneralErrorResponse>);
  /** `POST /recovery-codes/verify`: completes the `recovery-code` factor in the session. */
  verifyRecoveryCodePOST: undefined | ((input: WithSession & { code: string }) => Promise<VerifyRecoveryCodeResponse | GeneralErrorResponse>);
}

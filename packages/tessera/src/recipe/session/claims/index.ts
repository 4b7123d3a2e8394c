/**
 * Session claims: facts about a user kept in the access token payload (a second factor done, a role,
 * a verified email) and the validators that routes require of them.
 *
 * Import from `tessera/recipe/session/claims`.
 *
 * A claim stores its value as `payload[key] = { v, t }`, `t` being the ms time it was fetched or set.
 * A validator refetches the value when it is missing or older than its `maxAgeInSeconds`, then checks
 * it; a failing validator makes the request fail with 403 `invalid claim`.
 *
 * @example
 * ```ts
 * import { BooleanClaim } from "tessera/recipe/session/claims";
 *
 * export const SecondFactorClaim = new BooleanClaim({
 *   key: "2fa-completed",
 *   fetchValue: () => false,
 * });
 *
 * verifySession({
 *   overrideGlobalClaimValidators: (global) => [...global, SecondFactorClaim.validators.hasValue(true)],
 * });
 * ```
 *
 * @module
 */

export { SessionClaim } from "./types.js";
export { PrimitiveClaim } from "./primitive.js";
export { BooleanClaim, type BooleanClaimValidators } from "./boolean.js";
export { PrimitiveArrayClaim } from "./primitive-array.js";
export { validateClaims } from "./validate.js";

export type {
  ClaimValidationError,
  ClaimValidationResult,
  JSONObject,
  JSONValue,
  SessionClaimValidator,
  UserContext,
} from "./types.js";

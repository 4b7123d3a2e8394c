import { isPromiseLike, type MaybePromise } from "../../../core/maybe-promise.js";
import { copyJSON } from "../verified-cache.js";
import type {
  ClaimValidationError,
  ClaimValidationResult,
  JSONObject,
  SessionClaimValidator,
  UserContext,
} from "./types.js";

/** Input of {@link validateClaims}. */
export interface ValidateClaimsInput {
  /** The current access token payload; never mutated. */
  payload: JSONObject;
  /** Validators to run, in order. */
  validators: readonly SessionClaimValidator[];
  userId: string;
  recipeUserId: string;
  /** Passed to `fetchValue`; defaults to the payload's `tId`, then `"public"`. */
  tenantId?: string;
  userContext?: UserContext;
}

/** Result of {@link validateClaims}. */
export interface ValidateClaimsResult {
  /** Every failing validator, in validator order. Empty when all pass. */
  invalidClaims: ClaimValidationError[];
  /** The whole refetched payload; present only when refetching changed it. */
  accessTokenPayloadUpdate?: JSONObject;
}

/**
 * Refetches stale or missing claim values, then runs every validator against the refreshed payload.
 *
 * Import from `tessera/recipe/session/claims`.
 *
 * First pass, in order: each validator that has a claim and whose `shouldRefetch` says so gets its
 * claim's value fetched and written into a working copy of the payload, which later validators see.
 * Second pass: every validator runs against that copy, with no short-circuit, so the caller can report
 * all failures at once. The payload update is returned even when some claim still fails.
 *
 * @example
 * ```ts
 * import { validateClaims } from "tessera/recipe/session/claims";
 *
 * const { invalidClaims, accessTokenPayloadUpdate } = await validateClaims({
 *   payload,
 *   validators: [SecondFactorClaim.validators.isTrue()],
 *   userId,
 *   recipeUserId,
 *   tenantId: "public",
 * });
 * ```
 */
export async function validateClaims(input: ValidateClaimsInput): Promise<ValidateClaimsResult> {
  return validateClaimsNow(input);
}

/**
 * {@link validateClaims}, answering without a promise when nothing needs refetching and every
 * validator is synchronous (the built-in claims): what the verify path calls on every request.
 */
export function validateClaimsNow(input: ValidateClaimsInput): MaybePromise<ValidateClaimsResult> {
  const { payload, validators } = input;
  const userContext = input.userContext ?? {};
  for (let i = 0; i < validators.length; i++) {
    const validator = validators[i] as SessionClaimValidator;
    if (validator.claim === undefined) continue;
    // Validators are mostly synchronous: wait only for what is a promise.
    const refetch = validator.shouldRefetch(payload, userContext);
    if (isPromiseLike(refetch) || refetch) return refetchFrom(input, userContext, i, refetch);
  }
  return runValidators(payload, payload, validators, userContext, 0, []);
}

/** The first pass from validator `start` on (whose `shouldRefetch` answered `first`): fetch what is stale, then validate. */
async function refetchFrom(input: ValidateClaimsInput, userContext: UserContext, start: number, first: boolean | PromiseLike<boolean>): Promise<ValidateClaimsResult> {
  const { payload, validators, userId, recipeUserId } = input;
  const tenantId = input.tenantId ?? (typeof payload.tId === "string" ? payload.tId : "public");
  // fetchValue and addToPayload_internal are the app's code for its own claims: they get a payload
  // they may change, never the verified-token cache's frozen one. (Refetching is the rare path.)
  let current = Object.isFrozen(payload) ? copyJSON(payload) : payload;
  for (let i = start; i < validators.length; i++) {
    const validator = validators[i] as SessionClaimValidator;
    const { claim } = validator;
    if (claim === undefined) continue;
    const refetch = i === start ? first : validator.shouldRefetch(current, userContext);
    if (!(isPromiseLike(refetch) ? await refetch : refetch)) continue;
    const value: unknown = await claim.fetchValue(userId, recipeUserId, tenantId, current, userContext);
    if (value !== undefined) current = claim.addToPayload_internal(current, value, userContext);
  }
  return runValidators(payload, current, validators, userContext, 0, []);
}

/** The second pass from validator `start` on: every validator against `current`, no short-circuit, so the caller can report all failures at once. */
function runValidators(
  payload: JSONObject,
  current: JSONObject,
  validators: readonly SessionClaimValidator[],
  userContext: UserContext,
  start: number,
  invalidClaims: ClaimValidationError[],
): MaybePromise<ValidateClaimsResult> {
  for (let i = start; i < validators.length; i++) {
    const validator = validators[i] as SessionClaimValidator;
    const returned = validator.validate(current, userContext);
    if (isPromiseLike(returned)) {
      return Promise.resolve(returned).then((result) => {
        record(invalidClaims, validator.id, result);
        return runValidators(payload, current, validators, userContext, i + 1, invalidClaims);
      });
    }
    record(invalidClaims, validator.id, returned);
  }
  // Nothing refetched (the common case): unchanged, without serialising anything. Otherwise compare
  // serialised forms: a refetch that wrote back the same value and time is no change.
  return current === payload || JSON.stringify(current) === JSON.stringify(payload)
    ? { invalidClaims }
    : { invalidClaims, accessTokenPayloadUpdate: current };
}

// A reason may hold a value of the (frozen, shared) payload, and goes to the app's error handlers.
function record(invalidClaims: ClaimValidationError[], id: string, result: ClaimValidationResult): void {
  if (!result.isValid) invalidClaims.push(result.reason === undefined ? { id } : { id, reason: copyJSON(result.reason) });
}

/** A per-route replacement of the global validator list, as `overrideGlobalClaimValidators` takes it. */
export type OverrideGlobalClaimValidators<S> = (
  globalClaimValidators: SessionClaimValidator[],
  session: S,
  userContext: UserContext,
) => Promise<SessionClaimValidator[]> | SessionClaimValidator[];

/**
 * The validators a request must pass: the global list, or whatever `override` returns in its place
 * (sync or async; a promise only when the override returns one). Used by the session recipe; not
 * part of the public claims module.
 */
export function resolveValidators<S>(
  global: readonly SessionClaimValidator[],
  override: OverrideGlobalClaimValidators<S> | undefined,
  session: S,
  userContext: UserContext,
): Promise<SessionClaimValidator[]> | SessionClaimValidator[] {
  if (override === undefined) return [...global];
  return override([...global], session, userContext);
}

import type {
  ClaimValidationError,
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
  const { payload, validators, userId, recipeUserId } = input;
  const userContext = input.userContext ?? {};
  const tenantId = input.tenantId ?? (typeof payload.tId === "string" ? payload.tId : "public");

  let current = payload;
  for (const validator of validators) {
    if (validator.claim === undefined) continue;
    // Validators are mostly synchronous: await only what is a promise (each await is a turn of the event loop's microtask queue).
    const refetch = validator.shouldRefetch(current, userContext);
    if (!(isPromiseLike(refetch) ? await refetch : refetch)) continue;
    const { claim } = validator;
    const value: unknown = await claim.fetchValue(userId, recipeUserId, tenantId, current, userContext);
    if (value !== undefined) current = claim.addToPayload_internal(current, value, userContext);
  }

  const invalidClaims: ClaimValidationError[] = [];
  for (const validator of validators) {
    const returned = validator.validate(current, userContext);
    const result = isPromiseLike(returned) ? await returned : returned;
    if (result.isValid) continue;
    const { id } = validator;
    invalidClaims.push(result.reason === undefined ? { id } : { id, reason: result.reason });
  }

  // Nothing refetched (the common case): unchanged, without serialising anything. Otherwise compare
  // serialised forms: a refetch that wrote back the same value and time is no change.
  return current === payload || JSON.stringify(current) === JSON.stringify(payload)
    ? { invalidClaims }
    : { invalidClaims, accessTokenPayloadUpdate: current };
}

/** True for a promise or any other thenable (what `await` would wait for). */
export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
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

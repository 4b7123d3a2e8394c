/** Shapes shared by session claims and their validators (protocol reference, section 2). */

/** A JSON primitive: the value type of primitive and array claims. */
export type JSONPrimitive = string | number | boolean | null;
/**
 * Any JSON value (`undefined` included: it marks a key that disappears when serialised).
 *
 * Import from `tessera/recipe/session/claims`.
 */
export type JSONValue = JSONPrimitive | JSONObject | JSONValue[] | undefined;
/**
 * A JSON object, such as an access token payload.
 *
 * Import from `tessera/recipe/session/claims`.
 */
export interface JSONObject {
  [key: string]: JSONValue;
}

/**
 * Free-form context passed through every overridable function; defaulted to `{}` at the boundary.
 *
 * Import from `tessera/recipe/session/claims`.
 */
export type UserContext = Record<string, unknown>;

/**
 * What a validator's `validate` returns: valid, or invalid with an optional JSON reason.
 *
 * Import from `tessera/recipe/session/claims`.
 */
export type ClaimValidationResult = { isValid: true } | { isValid: false; reason?: JSONValue };

/**
 * One failed validator, as listed in a 403 body's `claimValidationErrors`.
 *
 * Import from `tessera/recipe/session/claims`.
 */
export type ClaimValidationError = { id: string; reason?: JSONValue };

/**
 * Base of every claim: knows its payload key, how to fetch its value and how to read/write it in a payload.
 *
 * Import from `tessera/recipe/session/claims`.
 *
 * @example
 * ```ts
 * import { SessionClaim, type JSONObject } from "tessera/recipe/session/claims";
 *
 * // A claim stored as a bare string, without the fetch time the built-in claims keep.
 * class RegionClaim extends SessionClaim<string> {
 *   constructor() {
 *     super("region");
 *   }
 *   fetchValue(userId: string) {
 *     return regions.of(userId);
 *   }
 *   addToPayload_internal(payload: JSONObject, value: string) {
 *     return { ...payload, [this.key]: value };
 *   }
 *   removeFromPayloadByMerge_internal(payload: JSONObject) {
 *     return { ...payload, [this.key]: null };
 *   }
 *   removeFromPayload(payload: JSONObject) {
 *     const { [this.key]: _removed, ...rest } = payload;
 *     return rest;
 *   }
 *   getValueFromPayload(payload: JSONObject) {
 *     const value = payload[this.key];
 *     return typeof value === "string" ? value : undefined;
 *   }
 * }
 * ```
 */
export abstract class SessionClaim<T> {
  constructor(public readonly key: string) {}

  /** Fetches the current value; `undefined` means "leave the payload as it is". May be async. */
  abstract fetchValue(
    userId: string,
    recipeUserId: string,
    tenantId: string,
    currentPayload: JSONObject | undefined,
    userContext: UserContext,
  ): Promise<T | undefined> | T | undefined;

  /** Returns a copy of `payload` with the value set (and its fetch time, for primitive claims). */
  abstract addToPayload_internal(payload: JSONObject, value: T, userContext?: UserContext): JSONObject;
  /** Returns a merge update that deletes the claim (`{[key]: null}`). */
  abstract removeFromPayloadByMerge_internal(payload: JSONObject, userContext?: UserContext): JSONObject;
  /** Returns a copy of `payload` without the claim. */
  abstract removeFromPayload(payload: JSONObject, userContext?: UserContext): JSONObject;
  abstract getValueFromPayload(payload: JSONObject, userContext?: UserContext): T | undefined;

  /** Fetches the value and returns the payload fragment to merge: `{}` when the fetch gave `undefined`. */
  async build(
    userId: string,
    recipeUserId: string,
    tenantId: string,
    currentPayload: JSONObject | undefined,
    userContext: UserContext = {},
  ): Promise<JSONObject> {
    const value = await this.fetchValue(userId, recipeUserId, tenantId, currentPayload, userContext);
    if (value === undefined) return {};
    return this.addToPayload_internal({}, value, userContext);
  }
}

/**
 * A validator: an id, a `validate` function, and optionally the claim plus a `shouldRefetch` test
 * (both or neither). Validators without a claim are never refetched.
 *
 * Import from `tessera/recipe/session/claims`.
 */
export type SessionClaimValidator = {
  id: string;
  validate(payload: JSONObject, userContext: UserContext): Promise<ClaimValidationResult> | ClaimValidationResult;
} & (
  | { claim?: undefined; shouldRefetch?: undefined }
  | {
      claim: SessionClaim<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a validator list mixes claims of every value type
      shouldRefetch(payload: JSONObject, userContext: UserContext): Promise<boolean> | boolean;
    }
);

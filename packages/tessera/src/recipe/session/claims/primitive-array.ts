import { TimestampedClaim, type ClaimConfig } from "./timestamped-claim.js";
import type { JSONObject, JSONPrimitive, JSONValue, SessionClaimValidator } from "./types.js";

/**
 * Configuration of a {@link PrimitiveArrayClaim}: its payload `key`, the `fetchValue` function (resolving
 * to an array) and an optional `defaultMaxAgeInSeconds`.
 *
 * Import from `tessera/recipe/session/claims`.
 */
export type PrimitiveArrayClaimConfig<T> = ClaimConfig<T[]>;

/**
 * The validator factories of a {@link PrimitiveArrayClaim}. Each takes `(value or values,
 * maxAgeInSeconds = claim.defaultMaxAgeInSeconds, id = claim.key)`.
 *
 * Import from `tessera/recipe/session/claims`.
 */
export interface PrimitiveArrayClaimValidators<T> {
  /** Passes when the stored array contains `val`. */
  includes(val: T, maxAgeInSeconds?: number, id?: string): SessionClaimValidator;
  /** Passes when the stored array does not contain `val`. */
  excludes(val: T, maxAgeInSeconds?: number, id?: string): SessionClaimValidator;
  /** Passes when the stored array contains every one of `vals` (an empty list always passes). */
  includesAll(vals: T[], maxAgeInSeconds?: number, id?: string): SessionClaimValidator;
  /** Passes when the stored array contains at least one of `vals`. */
  includesAny(vals: T[], maxAgeInSeconds?: number, id?: string): SessionClaimValidator;
  /** Passes when the stored array contains none of `vals`. */
  excludesAll(vals: T[], maxAgeInSeconds?: number, id?: string): SessionClaimValidator;
}

/**
 * A session claim holding an array of JSON primitives (roles, permissions, allowed domains),
 * stored in the access token payload as `{ v, t }`.
 *
 * Import from `tessera/recipe/session/claims`.
 *
 * @example
 * ```ts
 * import { PrimitiveArrayClaim } from "tessera/recipe/session/claims";
 *
 * const RoleClaim = new PrimitiveArrayClaim<string>({
 *   key: "app-roles",
 *   fetchValue: (userId, _recipeUserId, tenantId) => roles.forUser(userId, tenantId),
 * });
 *
 * const adminOnly = RoleClaim.validators.includes("admin");
 * const notBanned = RoleClaim.validators.excludesAll(["banned", "suspended"]);
 * ```
 */
export class PrimitiveArrayClaim<T extends JSONPrimitive> extends TimestampedClaim<T[]> {
  readonly validators: PrimitiveArrayClaimValidators<T>;

  constructor(config: PrimitiveArrayClaimConfig<T>) {
    super(config);
    const maxAgeOrDefault = (maxAgeInSeconds: number | undefined) =>
      maxAgeInSeconds === undefined ? this.defaultMaxAgeInSeconds : maxAgeInSeconds;

    this.validators = {
      includes: (val, maxAgeInSeconds, id) =>
        this.createValidator(id, maxAgeOrDefault(maxAgeInSeconds), {
          missing: () => missingReason("expectedToInclude", val),
          wrong: (value) => (value.includes(val) ? undefined : wrongReason("expectedToInclude", val, value)),
        }),

      excludes: (val, maxAgeInSeconds, id) =>
        this.createValidator(id, maxAgeOrDefault(maxAgeInSeconds), {
          missing: () => missingReason("expectedToNotInclude", val),
          wrong: (value) => (value.includes(val) ? wrongReason("expectedToNotInclude", val, value) : undefined),
        }),

      includesAll: (vals, maxAgeInSeconds, id) => {
        const expected = [...vals];
        return this.createValidator(id, maxAgeOrDefault(maxAgeInSeconds), {
          missing: () => missingReason("expectedToInclude", expected),
          wrong: (value) =>
            expected.every((item) => value.includes(item))
              ? undefined
              : wrongReason("expectedToInclude", expected, value),
        });
      },

      includesAny: (vals, maxAgeInSeconds, id) => {
        const expected = [...vals];
        return this.createValidator(id, maxAgeOrDefault(maxAgeInSeconds), {
          // supertokens-node reports a missing value here under `expectedToNotInclude`, not
          // `expectedToIncludeAtLeastOneOf` (a copy-paste slip on their side). Clients may match on
          // the reason object, so we keep the key the wire has always carried.
          missing: () => missingReason("expectedToNotInclude", expected),
          wrong: (value) =>
            expected.some((item) => value.includes(item))
              ? undefined
              : wrongReason("expectedToIncludeAtLeastOneOf", expected, value),
        });
      },

      excludesAll: (vals, maxAgeInSeconds, id) => {
        const expected = [...vals];
        return this.createValidator(id, maxAgeOrDefault(maxAgeInSeconds), {
          missing: () => missingReason("expectedToNotInclude", expected),
          wrong: (value) =>
            expected.some((item) => value.includes(item))
              ? wrongReason("expectedToNotInclude", expected, value)
              : undefined,
        });
      },
    };
  }
}

type ExpectationKey = "expectedToInclude" | "expectedToNotInclude" | "expectedToIncludeAtLeastOneOf";

function missingReason(key: ExpectationKey, expected: JSONValue): JSONObject {
  return { message: "value does not exist", [key]: expected, actualValue: undefined };
}

function wrongReason(key: ExpectationKey, expected: JSONValue, actual: JSONValue): JSONObject {
  return { message: "wrong value", [key]: expected, actualValue: actual };
}

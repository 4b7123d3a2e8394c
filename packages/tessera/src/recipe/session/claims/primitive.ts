import { TimestampedClaim, type ClaimConfig } from "./timestamped-claim.js";
import type { JSONPrimitive, SessionClaimValidator } from "./types.js";

/**
 * Configuration of a {@link PrimitiveClaim}: its payload `key`, the `fetchValue` function and an optional
 * `defaultMaxAgeInSeconds`.
 *
 * Import from `tessera/recipe/session/claims`.
 */
export type PrimitiveClaimConfig<T> = ClaimConfig<T>;

/**
 * The validator factories of a {@link PrimitiveClaim}.
 *
 * Import from `tessera/recipe/session/claims`.
 */
export interface PrimitiveClaimValidators<T> {
  /**
   * Passes when the stored value strictly equals `val` and, if `maxAgeInSeconds` is set, was fetched at
   * most that many seconds ago. `maxAgeInSeconds` defaults to the claim's `defaultMaxAgeInSeconds`;
   * `id` defaults to the claim's key.
   */
  hasValue(val: T, maxAgeInSeconds?: number, id?: string): SessionClaimValidator;
}

/**
 * A session claim holding one JSON primitive, stored in the access token payload as `{ v, t }`.
 *
 * Import from `tessera/recipe/session/claims`.
 *
 * @example
 * ```ts
 * import { PrimitiveClaim } from "tessera/recipe/session/claims";
 *
 * const PlanClaim = new PrimitiveClaim<string>({
 *   key: "plan",
 *   fetchValue: async (userId) => (await billing.planOf(userId)) ?? undefined,
 *   defaultMaxAgeInSeconds: 600,
 * });
 *
 * // Refetches when missing or older than 60 s, then requires "pro".
 * const requirePro = PlanClaim.validators.hasValue("pro", 60);
 * ```
 */
export class PrimitiveClaim<T extends JSONPrimitive> extends TimestampedClaim<T> {
  readonly validators: PrimitiveClaimValidators<T>;

  constructor(config: PrimitiveClaimConfig<T>) {
    super(config);
    this.validators = { hasValue: this.createHasValue() };
  }

  /** The `hasValue` factory, shared with subclasses that build their validators on it. */
  protected createHasValue(): PrimitiveClaimValidators<T>["hasValue"] {
    return (val, maxAgeInSeconds = this.defaultMaxAgeInSeconds, id) =>
      this.createValidator(id, maxAgeInSeconds, {
        missing: () => ({ message: "value does not exist", expectedValue: val, actualValue: undefined }),
        wrong: (value) =>
          value === val ? undefined : { message: "wrong value", expectedValue: val, actualValue: value },
      });
  }
}

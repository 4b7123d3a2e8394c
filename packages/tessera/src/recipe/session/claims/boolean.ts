import { PrimitiveClaim, type PrimitiveClaimConfig, type PrimitiveClaimValidators } from "./primitive.js";
import type { SessionClaimValidator } from "./types.js";

/**
 * The validator factories of a {@link BooleanClaim}: `hasValue`, plus `isTrue` and `isFalse` as
 * shorthands for `hasValue(true)` and `hasValue(false)`.
 *
 * Import from `tessera/recipe/session/claims`.
 */
export interface BooleanClaimValidators extends PrimitiveClaimValidators<boolean> {
  /** Passes when the stored value is `true` (and fresh enough, given `maxAgeInSeconds`). */
  isTrue(maxAgeInSeconds?: number, id?: string): SessionClaimValidator;
  /** Passes when the stored value is `false` (and fresh enough, given `maxAgeInSeconds`). */
  isFalse(maxAgeInSeconds?: number, id?: string): SessionClaimValidator;
}

/**
 * A session claim holding a boolean, such as "the second factor is done".
 *
 * Import from `tessera/recipe/session/claims`.
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
 * // A route that needs the second factor:
 * verifySession({
 *   overrideGlobalClaimValidators: (global) => [...global, SecondFactorClaim.validators.isTrue()],
 * });
 * ```
 */
export class BooleanClaim extends PrimitiveClaim<boolean> {
  override readonly validators: BooleanClaimValidators;

  constructor(config: PrimitiveClaimConfig<boolean>) {
    super(config);
    const hasValue = this.createHasValue();
    this.validators = {
      hasValue,
      isTrue: (maxAgeInSeconds, id) => hasValue(true, maxAgeInSeconds, id),
      isFalse: (maxAgeInSeconds, id) => hasValue(false, maxAgeInSeconds, id),
    };
  }
}

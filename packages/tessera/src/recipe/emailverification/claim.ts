/**
 * `st-ev`, the email verification claim (protocol 2.2, 2.4): a boolean kept as `{v, t}`, true
 * when the session user's email is verified (or the user has no email).
 */
import { now } from "../../core/clock.js";
import { ConfigError } from "../../core/errors.js";
import { findRecipe } from "../../core/instance.js";
import type { RecipeInstance } from "../../core/recipe.js";
import { BooleanClaim, type BooleanClaimValidators, type JSONObject, type SessionClaimValidator, type UserContext } from "../session/claims/index.js";

export const EMAIL_VERIFICATION_CLAIM_KEY = "st-ev";
export const EMAIL_VERIFICATION_RECIPE_ID = "emailverification";

/** What the claim needs of the running recipe (the claim object is module-level, as in the contract). */
export interface EmailVerificationValueSource {
  isVerifiedForClaim(recipeUserId: string, userContext: UserContext): Promise<boolean>;
}

/** The validators of `st-ev`: the boolean ones plus `isVerified`. */
export interface EmailVerificationClaimValidators extends BooleanClaimValidators {
  /**
   * Passes when the email is verified. Refetches when the value is missing, older than
   * `maxAgeInSeconds` (if given), or `false` and older than `refetchTimeOnFalseInSeconds`: so a
   * user who verified in another tab gets through within seconds, without a database read on
   * every request of a verified user.
   */
  isVerified(refetchTimeOnFalseInSeconds?: number, maxAgeInSeconds?: number, id?: string): SessionClaimValidator;
}

/** The class of {@link EmailVerificationClaim}; apps use the instance. */
export class EmailVerificationClaimClass extends BooleanClaim {
  declare readonly validators: EmailVerificationClaimValidators;

  constructor() {
    super({
      key: EMAIL_VERIFICATION_CLAIM_KEY,
      fetchValue: (_userId, recipeUserId, _tenantId, _payload, userContext) => {
        const recipe = findRecipe<EmailVerificationValueSource & RecipeInstance>(EMAIL_VERIFICATION_RECIPE_ID);
        if (!recipe) throw new ConfigError("EmailVerificationClaim needs EmailVerification.init() in recipeList");
        return recipe.isVerifiedForClaim(recipeUserId, userContext);
      },
    });
    const base = this.validators;
    this.validators = {
      ...base,
      isVerified: (refetchTimeOnFalseInSeconds = 10, maxAgeInSeconds, id) => {
        const validator = base.hasValue(true, maxAgeInSeconds, id);
        return {
          ...validator,
          claim: this,
          shouldRefetch: (payload: JSONObject, userContext: UserContext) => {
            const value = this.getValueFromPayload(payload, userContext);
            if (value === undefined) return true;
            const fetchedAt = this.getLastRefetchTime(payload, userContext) ?? 0;
            if (maxAgeInSeconds !== undefined && fetchedAt < now() - maxAgeInSeconds * 1000) return true;
            return value === false && fetchedAt < now() - refetchTimeOnFalseInSeconds * 1000;
          },
        };
      },
    };
  }
}

/**
 * The `st-ev` claim. Import from `tessera/recipe/emailverification`.
 *
 * @example
 * verifySession({ overrideGlobalClaimValidators: (global) => [...global, EmailVerificationClaim.validators.isVerified()] });
 */
export const EmailVerificationClaim: EmailVerificationClaimClass = new EmailVerificationClaimClass();

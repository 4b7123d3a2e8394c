/** The default RecipeInterface of the email verification recipe: business rules over storage, no HTTP. */
import { now } from "../../core/clock.js";
import { randomToken, sha256Hex } from "../../core/crypto/random.js";
import type { Storage } from "../../core/storage.js";
import type { NormalisedEmailVerificationConfig, RecipeInterface } from "./types.js";

/** Tokens carry 256 bits from the CSPRNG (ASVS 11.5.1); only their sha256 is stored. */
const TOKEN_BYTES = 32;

export function hashVerificationToken(token: string): string {
  return sha256Hex(token);
}

export function makeDefaultFunctions(storage: Storage, config: NormalisedEmailVerificationConfig): RecipeInterface {
  const store = storage.emailVerification;
  return {
    async createEmailVerificationToken({ recipeUserId, email, tenantId }) {
      if (await store.isVerified(recipeUserId, email)) return { status: "EMAIL_ALREADY_VERIFIED_ERROR" };
      const token = randomToken(TOKEN_BYTES);
      await store.createToken({ tokenHash: hashVerificationToken(token), userId: recipeUserId, email, tenantId, expiresAt: now() + config.tokenLifetimeMs });
      return { status: "OK", token };
    },

    async verifyEmailUsingToken({ token, tenantId }) {
      if (typeof token !== "string" || token === "") return { status: "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR" };
      const consumed = await store.consumeToken(hashVerificationToken(token), now());
      // A token is for one tenant: used in another it is spent and refused.
      if (!consumed || consumed.tenantId !== tenantId) return { status: "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR" };
      await store.markVerified(consumed.userId, consumed.email, now());
      return { status: "OK", user: { recipeUserId: consumed.userId, email: consumed.email } };
    },

    isEmailVerified: ({ recipeUserId, email }) => store.isVerified(recipeUserId, email),

    async revokeEmailVerificationTokens({ recipeUserId, email, tenantId }) {
      await store.revokeTokens(recipeUserId, email, tenantId);
      return { status: "OK" };
    },

    async unverifyEmail({ recipeUserId, email }) {
      await store.unmarkVerified(recipeUserId, email);
      return { status: "OK" };
    },
  };
}

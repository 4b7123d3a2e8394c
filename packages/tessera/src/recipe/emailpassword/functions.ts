/**
 * The default RecipeInterface of the emailpassword recipe: business rules over storage, no HTTP.
 * Every email is normalised here (email.ts) before it is stored or looked up.
 */
import { now } from "../../core/clock.js";
import { BadInputError } from "../../core/errors.js";
import { hashPassword, needsRehash, verifyPassword } from "../../core/crypto/password.js";
import { randomId, randomToken, sha256Hex } from "../../core/crypto/random.js";
import { release, reserve, resetRuns } from "../../core/limits.js";
import type { EmailPasswordUserRow, Storage } from "../../core/storage.js";
import { isValidEmail, normaliseEmail } from "../../core/email.js";
import { accountEntries, settlePasswordSuccess } from "./limits.js";
import { credentialsChanged } from "../../core/user-events.js";
import { emailPasswordUser } from "../../core/user.js";
import type { NormalisedEmailPasswordConfig, RecipeInterface } from "./types.js";

/**
 * An argon2id hash, with the current parameters, of a random string nobody kept. Signing in with
 * an unknown email verifies against it, so the answer takes as long as for a known email with a
 * wrong password and timing does not tell whether an account exists (SEC-50, ASVS 6.3.8). A test
 * checks that it still matches the parameters in core/crypto/password.ts.
 */
export const DUMMY_PASSWORD_HASH = "$argon2id$v=19$m=19456,t=2,p=1$VAL+oH4ZupVW8NupJurEfg$wb/MKNBhEgtRsfHPXwqSgWHRa2m/10N/DW4pP72mJUs";

/** Reset tokens carry 256 bits from the CSPRNG (ASVS 11.5.1); only their sha256 is stored. */
const RESET_TOKEN_BYTES = 32;

export function hashResetToken(token: string): string {
  return sha256Hex(token);
}

export function makeDefaultFunctions(storage: Storage, config: NormalisedEmailPasswordConfig): RecipeInterface {
  const store = storage.emailPassword;
  // No account's address holds a control character or a lone surrogate (sign-up refuses them), so
  // such input is never looked up: a NUL byte, which PostgreSQL cannot even compare, answered 500
  // on email-exists.
  const findByEmail = async (tenantId: string, email: string) => {
    const normalised = normaliseEmail(email);
    return /[\p{Cc}\p{Cs}]/u.test(normalised) ? undefined : store.getUserByEmail(tenantId, normalised);
  };

  return {
    async signUp({ email, password, tenantId }) {
      const normalised = normaliseEmail(email);
      // Checked first only to spare a hash; the unique constraint decides when two sign-ups race.
      if (await store.getUserByEmail(tenantId, normalised)) return { status: "EMAIL_ALREADY_EXISTS_ERROR" };
      const row: EmailPasswordUserRow = { userId: randomId(), tenantId, email: normalised, passwordHash: await hashPassword(password), timeJoined: now() };
      if (!(await store.createUser(row))) return { status: "EMAIL_ALREADY_EXISTS_ERROR" };
      return { status: "OK", user: emailPasswordUser(row), recipeUserId: row.userId };
    },

    async signIn({ email, password, tenantId }) {
      const row = await findByEmail(tenantId, email);
      // The attempt is counted before the password is checked (core/limits.ts), so parallel
      // guesses cannot get more checks than the account limit allows. An unknown email has no
      // account to protect and keeps no counter.
      const entries = row ? accountEntries(row.userId) : [];
      const reservation = await reserve(storage.limits, entries, now());
      if (reservation.status === "LIMITED") {
        // SEC-50: a locked account answers as a wrong password does, after the same argon2 work,
        // even when the password is right.
        await verifyPassword(DUMMY_PASSWORD_HASH, password);
        return { status: "WRONG_CREDENTIALS_ERROR" };
      }
      // Always one argon2 verification, against the dummy hash when the email is unknown (SEC-50).
      const matches = await verifyPassword(row?.passwordHash ?? DUMMY_PASSWORD_HASH, password);
      // A failure stays counted; a right password takes its reservation back (and ends the run
      // when it completes the sign-in: limits.ts).
      if (!row || !matches) return { status: "WRONG_CREDENTIALS_ERROR" };
      await release(storage.limits, reservation.held);
      await settlePasswordSuccess(storage, row.userId);
      // The password is known to be right here: upgrade a hash made with older parameters.
      if (await needsRehash(row.passwordHash)) await store.updateUser(row.userId, { passwordHash: await hashPassword(password) });
      return { status: "OK", user: emailPasswordUser(row), recipeUserId: row.userId };
    },

    async createResetPasswordToken({ userId, email, tenantId }) {
      const row = await store.getUserById(userId);
      if (!row || row.tenantId !== tenantId || row.email !== normaliseEmail(email)) return { status: "UNKNOWN_USER_ID_ERROR" };
      const token = randomToken(RESET_TOKEN_BYTES);
      await store.createResetToken({ tokenHash: hashResetToken(token), userId: row.userId, email: row.email, expiresAt: now() + config.resetTokenLifetimeMs });
      return { status: "OK", token };
    },

    async consumePasswordResetToken({ token, tenantId }) {
      if (typeof token !== "string" || token === "") return { status: "RESET_PASSWORD_INVALID_TOKEN_ERROR" };
      const consumed = await store.consumeResetToken(hashResetToken(token), now());
      if (!consumed) return { status: "RESET_PASSWORD_INVALID_TOKEN_ERROR" };
      // A token is for one address of one user in one tenant: if the email changed since, it is void.
      const row = await store.getUserById(consumed.userId);
      if (!row || row.tenantId !== tenantId || row.email !== consumed.email) return { status: "RESET_PASSWORD_INVALID_TOKEN_ERROR" };
      return { status: "OK", userId: row.userId, email: row.email };
    },

    async updateEmailOrPassword({ recipeUserId, email, password, applyPasswordPolicy, tenantIdForPasswordPolicy, userContext }) {
      const row = await store.getUserById(recipeUserId);
      if (!row) return { status: "UNKNOWN_USER_ID_ERROR" };
      const changes: { email?: string; passwordHash?: string } = {};
      if (email !== undefined) {
        const normalised = normaliseEmail(email);
        if (!isValidEmail(normalised)) throw new BadInputError("updateEmailOrPassword: the new email is not a valid address");
        changes.email = normalised;
      }
      if (password !== undefined) {
        if (applyPasswordPolicy !== false) {
          const failureReason = await config.checkPassword(password, tenantIdForPasswordPolicy, userContext);
          if (failureReason !== undefined) return { status: "PASSWORD_POLICY_VIOLATED_ERROR", failureReason };
        }
        changes.passwordHash = await hashPassword(password);
      }
      const result = await store.updateUser(row.userId, changes);
      if (result === "EMAIL_ALREADY_EXISTS") return { status: "EMAIL_ALREADY_EXISTS_ERROR" };
      if (result === "UNKNOWN_USER") return { status: "UNKNOWN_USER_ID_ERROR" };
      // A new password (a reset by emailed link included) forgives the failed guesses at the old
      // one, and lifts a lock that only a reset can lift (limits.account.maxConsecutiveFailures).
      if (changes.passwordHash !== undefined) await resetRuns(storage.limits, accountEntries(row.userId).map((e) => e.key));
      // A new password also forgets every remembered device: they were trusted under the old one.
      if (changes.passwordHash !== undefined) await credentialsChanged(storage, row.userId);
      return { status: "OK" };
    },

    async getUserById({ userId }) {
      const row = await store.getUserById(userId);
      return row ? emailPasswordUser(row) : undefined;
    },

    async getUserByEmail({ tenantId, email }) {
      const row = await findByEmail(tenantId, email);
      return row ? emailPasswordUser(row) : undefined;
    },
  };
}

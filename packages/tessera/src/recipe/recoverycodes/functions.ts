/**
 * The default RecipeInterface of the recovery-codes recipe: code sets over storage, behind the
 * shared limiter. No HTTP here.
 *
 * A code is 10 characters of the RFC 4648 base32 alphabet (50 bits from the CSPRNG, shown as
 * `xxxxx-xxxxx`): above NIST 800-63B §5.1.2.1's 20 bits for look-up secrets, below 64, so
 * attempts are rate-limited (the shared second-factor run), and below 112, so each code is
 * stored as a salted KDF hash (§5.1.2.2, ASVS 6.5.2): argon2id with a 16-byte salt per code.
 */
import { randomBytes } from "node:crypto";
import { now } from "../../core/clock.js";
import { base32Encode } from "../../core/crypto/base32.js";
import { hashPassword, verifyPassword } from "../../core/crypto/password.js";
import { randomId } from "../../core/crypto/random.js";
import { reserve, resetRuns, secondFactorEntries } from "../../core/limits.js";
import type { Storage } from "../../core/storage.js";
import type { NormalisedRecoveryCodesConfig, RecipeInterface } from "./types.js";
import { credentialsChanged } from "../../core/user-events.js";

const CODE_LENGTH = 10;
const CODE_SHAPE = /^[A-Z2-7]{10}$/;

/** A fresh code as the user sees it: lower case, in two groups of five. */
export function generateCode(): string {
  const chars = base32Encode(randomBytes(7), { padding: false }).slice(0, CODE_LENGTH).toLowerCase();
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

/** The form that is hashed: spaces and dashes dropped, upper case. Undefined when it cannot be a code. */
export function normaliseCode(input: string): string | undefined {
  const code = input.replace(/[\s-]/g, "").toUpperCase();
  return CODE_SHAPE.test(code) ? code : undefined;
}

export function makeDefaultFunctions(input: { storage: Storage; config: NormalisedRecoveryCodesConfig }): RecipeInterface {
  const { storage, config } = input;
  const store = storage.recoveryCodes;

  return {
    createRecoveryCodes: async ({ userId }) => {
      const codes = Array.from({ length: config.count }, generateCode);
      const hashed = await Promise.all(codes.map(async (code) => ({ codeId: randomId(), codeHash: await hashPassword(normaliseCode(code) as string) })));
      await store.replaceCodes(userId, hashed, now());
      // A new set is a change of factors: remembered devices are forgotten (multifactorauth trusted devices).
      await credentialsChanged(storage, userId);
      return { status: "OK", codes };
    },

    verifyRecoveryCode: async ({ userId, code }) => {
      const unused = await store.listUnused(userId);
      if (unused.length === 0) return { status: "NO_RECOVERY_CODES_ERROR" };
      const at = now();
      // Counted before the check, on the second-factor run TOTP also uses and on the account's
      // run across every factor: parallel guesses get no more checks than the limit.
      const entries = secondFactorEntries(userId);
      const reservation = await reserve(storage.limits, entries, at);
      if (reservation.status === "LIMITED") return { status: "LIMIT_REACHED_ERROR", retryAfterMs: reservation.retryAfterMs };
      const normalised = normaliseCode(code);
      // Every unused code is checked (argon2 compares in constant time, and no check stops at a
      // match), so the time does not tell which one matched.
      const matches = normalised === undefined ? [] : await Promise.all(unused.map((row) => verifyPassword(row.codeHash, normalised)));
      const matched = unused.find((_, i) => matches[i] === true);
      // Single use: the compare-and-set marks it used only if it still is unused, so of parallel
      // uses of one code exactly one gets here with true.
      if (matched && (await store.markUsed(userId, matched.codeId, matched.codeHash, at))) {
        await resetRuns(storage.limits, entries.map((e) => e.key));
        return { status: "OK", remainingCodes: await store.countUnused(userId) };
      }
      const rule = entries[0]?.rule;
      return { status: "INVALID_RECOVERY_CODE_ERROR", currentNumberOfFailedAttempts: reservation.runs[0] ?? 1, maxNumberOfFailedAttempts: rule?.max ?? 0 };
    },

    getRemainingCodeCount: async ({ userId }) => store.countUnused(userId),

    removeRecoveryCodes: async ({ userId }) => {
      const didCodesExist = (await store.deleteCodes(userId)) > 0;
      if (didCodesExist) await credentialsChanged(storage, userId);
      return { status: "OK", didCodesExist };
    },
  };
}

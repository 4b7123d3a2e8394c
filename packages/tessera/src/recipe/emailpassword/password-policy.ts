/**
 * The password policy, after OWASP ASVS 5.0 6.2 and NIST SP 800-63B 5.1.1.2. It applies when a
 * password is chosen (sign-up, reset, `updateEmailOrPassword`), never at sign-in, so a policy
 * change never locks anyone out.
 *
 * - Length only: at least 8 code points (6.2.1), no upper/lower/digit/symbol rules (6.2.5).
 * - Long passwords are welcome (6.2.9 asks for at least 64): the 1024 maximum exists only to bound
 *   the work one request can cause; argon2 itself hashes any length without truncation (6.2.8).
 * - Common passwords are rejected (6.2.4), compared exactly: no trimming, no case change.
 * - Lengths and list checks use the NFKC form, the form that is hashed (core/crypto/password.ts),
 *   so the policy judges the password that is actually stored.
 */
import { isWellFormedText } from "../../core/crypto/password.js";
import { ConfigError } from "../../core/errors.js";
import type { UserContext } from "../../core/recipe.js";
import { COMMON_PASSWORDS } from "./common-passwords.js";
import type { PasswordPolicyConfig } from "./types.js";

const ASVS_MINIMUM = 8;
const ASVS_LONG_ENOUGH = 64;
const DEFAULT_MAXIMUM = 1024;

export type PasswordCheck = (password: string, tenantId: string, userContext: UserContext) => Promise<string | undefined>;

function codePoints(value: string): number {
  let count = 0;
  for (const _ of value) count += 1;
  return count;
}

function integer(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value)) throw new ConfigError(`EmailPassword.init: passwordPolicy.${field} must be an integer`);
  return value;
}

/** Builds the policy check from the app's config; throws at init for settings ASVS forbids. */
export function makePasswordCheck(config: PasswordPolicyConfig = {}): PasswordCheck {
  const minLength = integer(config.minLength, ASVS_MINIMUM, "minLength");
  const maxLength = integer(config.maxLength, DEFAULT_MAXIMUM, "maxLength");
  if (minLength < ASVS_MINIMUM) throw new ConfigError(`EmailPassword.init: passwordPolicy.minLength must be at least ${ASVS_MINIMUM} (OWASP ASVS 6.2.1)`);
  if (maxLength < ASVS_LONG_ENOUGH) throw new ConfigError(`EmailPassword.init: passwordPolicy.maxLength must be at least ${ASVS_LONG_ENOUGH} (OWASP ASVS 6.2.9)`);
  if (maxLength < minLength) throw new ConfigError("EmailPassword.init: passwordPolicy.maxLength must not be below minLength");
  const blockList = new Set([...(config.blockList ?? [])].map((entry) => String(entry).normalize("NFKC")));
  const extra = config.validate;

  return async (password, tenantId, userContext) => {
    if (!isWellFormedText(password)) return "Password contains a character that is not valid text";
    const stored = password.normalize("NFKC");
    const length = codePoints(stored);
    if (length < minLength) return `Password must be at least ${minLength} characters long`;
    if (length > maxLength) return `Password must be at most ${maxLength} characters long`;
    if (COMMON_PASSWORDS.has(stored) || blockList.has(stored)) return "This password is too common: choose one that is harder to guess";
    return extra ? ((await extra(password, tenantId, userContext)) ?? undefined) : undefined;
  };
}

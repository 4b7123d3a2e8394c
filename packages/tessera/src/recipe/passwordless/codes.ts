/**
 * The secrets of a passwordless flow and how they are kept. Nothing here is stored in a form
 * that gives a secret back, and nothing stored lets a 6-digit code be found by trying all of them:
 *
 * - `deviceId`: 32 bytes from the CSPRNG, held only by the client that asked for the code. The
 *   database keeps its sha256, which proves a later request comes from that client.
 * - `userInputCode`: 6 random digits (ASVS 6.5.4: at least 20 bits, "6 random digits is
 *   enough"); guessing is bounded by 5 inputs per device and the creation limits (ASVS 6.6.3).
 *   Stored as HMAC-SHA256 keyed with the deviceId. A plain or salted hash of a 6-digit
 *   code falls to a million guesses from a leaked table; the key here is a 256-bit value the
 *   database never held, so the leaked hash alone is useless. A server-wide pepper would live in
 *   the same database (the `secrets` table) and leak with it.
 * - `linkCode`: 32 bytes from the CSPRNG, independent of the user input code (if it were derived
 *   from it, a client holding the deviceId could turn guesses at the 6 digits into link codes
 *   and escape the input count). Stored as sha256, enough for a 256-bit secret.
 *
 * Comparisons are constant-time on the hashes (ASVS 11.2.4), over every code of the device.
 */
import { randomBytes, randomInt } from "node:crypto";
import { constantTimeEqual, hmacSha256, sha256Hex } from "../../core/crypto/random.js";
import type { PasswordlessCodeRow } from "../../core/storage.js";

const SECRET_BYTES = 32;
const USER_INPUT_CODE_DIGITS = 6;

/** Standard base64 (with `+`, `/`, `=`), as supertokens' ids are: clients URL-encode them. */
export const newDeviceId = (): string => randomBytes(SECRET_BYTES).toString("base64");
export const newPreAuthSessionId = (): string => randomBytes(SECRET_BYTES).toString("base64");
/** URL-safe base64 without padding (it travels in a URL fragment). */
export const newLinkCode = (): string => randomBytes(SECRET_BYTES).toString("base64url");

/** Uniform over 000000–999999 (randomInt rejects biased draws). */
export function newUserInputCode(): string {
  return String(randomInt(0, 10 ** USER_INPUT_CODE_DIGITS)).padStart(USER_INPUT_CODE_DIGITS, "0");
}

export const hashDeviceId = (deviceId: string): string => sha256Hex(`passwordless-device:${deviceId}`);
export const hashLinkCode = (linkCode: string): string => sha256Hex(`passwordless-link:${linkCode}`);

export function hashUserInputCode(deviceId: string, userInputCode: string): string {
  return hmacSha256(Buffer.from(deviceId, "utf8"), `passwordless-code:${userInputCode}`).toString("hex");
}

/**
 * The code whose hash matches, comparing with every code of the device in constant time (the
 * loop does not stop at a match, so the time does not tell which code, or whether any, matched).
 */
export function findMatchingCode(codes: readonly PasswordlessCodeRow[], field: "userInputCodeHash" | "linkCodeHash", candidateHash: string): PasswordlessCodeRow | undefined {
  let found: PasswordlessCodeRow | undefined;
  for (const code of codes) {
    if (constantTimeEqual(code[field], candidateHash) && found === undefined) found = code;
  }
  return found;
}

/** The magic link: `{websiteDomain}{websiteBasePath}/verify?preAuthSessionId=…&tenantId=…#<linkCode>` (protocol 4.3). */
export function magicLink(site: { websiteDomain: string; websiteBasePath: string }, preAuthSessionId: string, tenantId: string, linkCode: string): string {
  return `${site.websiteDomain}${site.websiteBasePath}/verify?preAuthSessionId=${encodeURIComponent(preAuthSessionId)}&tenantId=${encodeURIComponent(tenantId)}#${linkCode}`;
}

/**
 * Email normalisation and validation. The normalised form is what is stored, looked up and
 * compared, so two spellings of one address always find the same user.
 *
 * Normalisation:
 * - trim surrounding whitespace (the frontend and users add it; supertokens-core issue 99);
 * - Unicode NFC, so a composed "é" and "e" + combining acute are one address (SEC-58);
 * - lower-case ASCII letters A–Z only, in the local part and the domain. Domains are
 *   case-insensitive; local parts are case-sensitive by RFC 5321 but every common mailbox
 *   provider ignores ASCII case, and treating `Alice@` and `alice@` as two accounts invites
 *   duplicate accounts and confusion. Other letters keep their case: full Unicode case mapping
 *   differs between locales and versions and maps some non-ASCII characters onto ASCII ones
 *   (U+212A KELVIN SIGN lower-cases to "k"), which lets a look-alike address collide with
 *   someone else's account (SEC-57). NFC maps only canonical equivalents (U+212A *is* "K").
 *
 * Mail always goes to the address as stored for the user, never to the address a request typed.
 */

// Control characters, invisible format characters (zero-width, bidi overrides, BOM),
// line/paragraph separators, and lone surrogates (text no mail system can carry): none belongs
// in an address, and several hide what a user sees.
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
// A dot-separated local part without quoting: the characters RFC 5322 allows in a dot-atom,
// plus any non-ASCII letter (RFC 6531); no spaces, quotes, brackets or backslashes.
const LOCAL_PART = /^[^\s@"(),.:;<>[\]\\]+(?:\.[^\s@"(),.:;<>[\]\\]+)*$/u;
// Host-name labels: letters (any script, for IDN), marks and digits, with inner hyphens.
const LABEL = /^[\p{L}\p{M}\p{N}](?:[\p{L}\p{M}\p{N}-]*[\p{L}\p{M}\p{N}])?$/u;

const MAX_LENGTH = 254; // RFC 5321 4.5.3.1.3 (path limit minus the angle brackets)
const MAX_LOCAL_LENGTH = 64; // RFC 5321 4.5.3.1.1
const MAX_LABEL_LENGTH = 63;

function lowerCaseASCII(value: string): string {
  return value.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** The stored form of an email: trimmed, NFC, ASCII letters lower-cased. Does not validate. */
export function normaliseEmail(email: string): string {
  return lowerCaseASCII(email.trim().normalize("NFC"));
}

/** True when a normalised email looks deliverable: one local part, one host name with a dot. */
export function isValidEmail(email: string): boolean {
  if (email.length > MAX_LENGTH || FORBIDDEN.test(email)) return false;
  const at = email.lastIndexOf("@");
  if (at <= 0) return false;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length > MAX_LOCAL_LENGTH || !LOCAL_PART.test(local)) return false;
  const labels = domain.split(".");
  if (labels.length < 2) return false;
  if (!labels.every((label) => label.length <= MAX_LABEL_LENGTH && LABEL.test(label))) return false;
  // A top-level domain is never all digits ("1.2.3.4" is not a host name here).
  return /\p{L}/u.test(labels[labels.length - 1] as string);
}

import { BadInputError } from "../errors.js";

/** RFC 4648 §6 alphabet. Authenticator apps show and accept TOTP secrets in this form. */
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

const VALUES: ReadonlyMap<string, number> = new Map(
  [...ALPHABET].flatMap((char, value) => [
    [char, value],
    [char.toLowerCase(), value],
  ]),
);

/**
 * Encodes bytes as RFC 4648 base32 (upper case). With `padding: false` the trailing `=` are
 * left off, as the otpauth key URI format asks.
 */
export function base32Encode(
  bytes: Uint8Array,
  { padding = true }: { padding?: boolean } = {},
): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >>> bits) & 31];
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  if (padding) out += "=".repeat((8 - (out.length % 8)) % 8);
  return out;
}

/**
 * Decodes RFC 4648 base32. Lower case is accepted, and spaces and `=` are ignored (people copy
 * secrets in groups of four, with or without padding). Any other character, or a length that no
 * encoding can produce (a truncated secret), throws: a silently shortened key would yield codes
 * that never match.
 */
export function base32Decode(text: string): Buffer {
  if (typeof text !== "string") throw new BadInputError("base32: expected a string");
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  let symbols = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text.charAt(i);
    if (char === " " || char === "=") continue;
    const value = VALUES.get(char);
    // The offending character is not echoed: it may be a mistyped character of a secret.
    if (value === undefined) {
      throw new BadInputError(
        `base32: invalid character at position ${i} (allowed: A-Z, 2-7, spaces, "=")`,
      );
    }
    symbols++;
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >>> bits) & 0xff);
    }
  }
  // 8 symbols carry 5 bytes; a group may end after 2, 4, 5 or 7 symbols, never after 1, 3 or 6.
  if ([1, 3, 6].includes(symbols % 8)) {
    throw new BadInputError("base32: invalid length (the value looks truncated)");
  }
  return Buffer.from(out);
}

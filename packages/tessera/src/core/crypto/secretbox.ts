import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { ConfigError, TesseraError } from "../errors.js";

/** Encrypts secrets that tessera must read back (signing private keys, TOTP seeds) at rest. */
export interface SecretBox {
  /** Seals `plaintext` for the row named by `context` (e.g. "signing-key:<kid>"). */
  seal(plaintext: string, context: string): string;
  /** Opens a sealed value; throws {@link SecretBoxError} if it cannot. */
  open(sealed: string, context: string): string;
  /** False when no master key is configured and values are stored as `plain.<plaintext>`. */
  readonly encrypted: boolean;
}

export type SecretBoxFailure = "MALFORMED" | "NO_MASTER_KEY" | "AUTHENTICATION_FAILED";

/** A sealed value could not be opened. The message names the cause and never holds secret data. */
export class SecretBoxError extends TesseraError {
  readonly reason: SecretBoxFailure;
  constructor(reason: SecretBoxFailure, message: string, options?: { cause?: unknown }) {
    super(`SECRETBOX_${reason}`, message, options);
    this.reason = reason;
  }
}

const PLAIN = "plain.";
const VERSION = "v1";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const MIN_KEY_BYTES = 32;
const HKDF_SALT = "tessera/secretbox";
const HKDF_INFO = "tessera secretbox v1 aes-256-gcm";
const BASE64URL = /^[A-Za-z0-9_-]*$/;

const HOW_TO_GENERATE = "generate one with `openssl rand -base64 32`";

/**
 * Reads the master key: hex or base64/base64url of at least 32 bytes is decoded; otherwise any
 * string of at least 32 characters is used as it is. HKDF then spreads it into the AES key.
 */
function keyMaterial(masterKey: string): Buffer {
  if (typeof masterKey !== "string") {
    throw new ConfigError(`The secret box master key must be a string; ${HOW_TO_GENERATE}`);
  }
  const key = masterKey.trim();
  if (/^(?:[0-9a-fA-F]{2})+$/.test(key)) {
    const bytes = Buffer.from(key, "hex");
    // A hex string is plainly a byte count: 32 hex characters are 16 bytes, too few.
    if (bytes.length >= MIN_KEY_BYTES) return bytes;
    throw new ConfigError(
      `The secret box master key is ${bytes.length} bytes of hex; ` +
        `at least ${MIN_KEY_BYTES} are needed: ${HOW_TO_GENERATE}`,
    );
  }
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(key)) {
    const bytes = Buffer.from(key, "base64");
    if (bytes.length >= MIN_KEY_BYTES) return bytes;
  }
  if (key.length >= MIN_KEY_BYTES) return Buffer.from(key, "utf8");
  throw new ConfigError(
    `The secret box master key is too short: it needs at least ${MIN_KEY_BYTES} random bytes; ` +
      HOW_TO_GENERATE,
  );
}

/**
 * The additional authenticated data. Binding the row's context means a sealed value copied into
 * another row (another user's TOTP device, another key id) fails to open instead of being used.
 */
function aad(context: string): Buffer {
  return Buffer.from(`tessera-secretbox:${VERSION}:${context}`, "utf8");
}

function checkContext(context: string): void {
  if (typeof context !== "string" || context.length === 0) {
    throw new ConfigError(
      'The secret box context must be a non-empty string, e.g. "signing-key:<kid>"',
    );
  }
}

/**
 * Creates the secret box. With a master key, values are sealed with AES-256-GCM as
 * `v1.<nonce>.<ciphertext>.<tag>` (base64url parts). Without one, they are stored as
 * `plain.<plaintext>` so that deployments without a key still work. `open` reads `plain.` values
 * in both modes, so data written before a key was configured stays readable.
 *
 * @example
 * const box = createSecretBox(process.env.TESSERA_MASTER_KEY);
 * const stored = box.seal(seedBase32, `totp-device:${deviceId}`);
 */
export function createSecretBox(masterKey: string | undefined): SecretBox {
  const key =
    masterKey === undefined
      ? null
      : Buffer.from(hkdfSync("sha256", keyMaterial(masterKey), HKDF_SALT, HKDF_INFO, 32));

  function seal(plaintext: string, context: string): string {
    checkContext(context);
    if (typeof plaintext !== "string") {
      throw new ConfigError("The secret box seals strings only");
    }
    if (key === null) return PLAIN + plaintext;
    // A fresh random 96-bit nonce per value (NIST SP 800-38D §8.2.2); with at most a few million
    // values under one key the chance of a repeat is negligible.
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    const encoded = [nonce, ciphertext, tag].map((part) => part.toString("base64url"));
    return [VERSION, ...encoded].join(".");
  }

  function open(sealed: string, context: string): string {
    checkContext(context);
    if (typeof sealed !== "string") {
      throw new SecretBoxError("MALFORMED", "Sealed value is not a string");
    }
    if (sealed.startsWith(PLAIN)) return sealed.slice(PLAIN.length);
    const parts = sealed.split(".");
    const wellFormed = parts.length === 4 && parts.every((part) => BASE64URL.test(part));
    if (parts[0] !== VERSION || !wellFormed) {
      throw new SecretBoxError(
        "MALFORMED",
        `Sealed value for "${context}" is malformed ` +
          `(expected "${VERSION}.<nonce>.<ciphertext>.<tag>" or "plain.<value>")`,
      );
    }
    if (key === null) {
      throw new SecretBoxError(
        "NO_MASTER_KEY",
        `Sealed value for "${context}" is encrypted but no master key is configured; ` +
          "configure the key it was sealed with",
      );
    }
    const [, nonceText, ciphertextText, tagText] = parts as [string, string, string, string];
    const nonce = Buffer.from(nonceText, "base64url");
    const tag = Buffer.from(tagText, "base64url");
    if (nonce.length !== NONCE_BYTES || tag.length !== TAG_BYTES) {
      throw new SecretBoxError(
        "MALFORMED",
        `Sealed value for "${context}" is malformed (nonce or tag has the wrong length)`,
      );
    }
    const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(context));
    decipher.setAuthTag(tag);
    try {
      const ciphertext = Buffer.from(ciphertextText, "base64url");
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
    } catch (cause) {
      // GCM's tag check cannot tell these three apart: each gives a different tag, by design.
      throw new SecretBoxError(
        "AUTHENTICATION_FAILED",
        `Sealed value for "${context}" failed authentication: it was altered, was sealed ` +
          "for another context, or was sealed with a different master key",
        { cause },
      );
    }
  }

  return Object.freeze({ seal, open, encrypted: key !== null });
}

import { createHmac, randomBytes } from "node:crypto";
import { ConfigError } from "../errors.js";
import { constantTimeEqual } from "./random.js";

/** HMAC algorithms of RFC 6238 §1.2. Most authenticator apps support only SHA-1. */
export type OTPAlgorithm = "sha1" | "sha256" | "sha512";

export interface OTPOptions {
  /** Code length; RFC 4226 §5.3 allows 6 to 8. Default 6. */
  digits?: number;
  /** Default "sha1". */
  algorithm?: OTPAlgorithm;
}

export interface TOTPOptions extends OTPOptions {
  /** Time step in seconds (RFC 6238 §4.1 X). Default 30. */
  period?: number;
}

const ALGORITHMS: readonly string[] = ["sha1", "sha256", "sha512"];
const MAX_COUNTER = (1n << 64n) - 1n;

function checkOptions(digits: number, algorithm: string): void {
  if (!Number.isInteger(digits) || digits < 6 || digits > 8) {
    throw new ConfigError(
      `OTP digits must be 6, 7 or 8 (RFC 4226 §5.3), got ${String(digits)}`,
    );
  }
  if (!ALGORITHMS.includes(algorithm)) {
    throw new ConfigError(
      `OTP algorithm must be one of ${ALGORITHMS.join(", ")}, got ${String(algorithm)}`,
    );
  }
}

function checkPeriod(period: number): void {
  if (!Number.isInteger(period) || period <= 0) {
    throw new ConfigError(
      `TOTP period must be a positive whole number of seconds, got ${String(period)}`,
    );
  }
}

/**
 * HOTP (RFC 4226 §5.3): HMAC over the 8-byte big-endian counter, dynamic truncation, modulo
 * 10^digits, left-padded with zeros. The counter is 64-bit so TOTP steps past 2038 work.
 */
export function hotp(
  secret: Buffer,
  counter: number | bigint,
  { digits = 6, algorithm = "sha1" }: OTPOptions = {},
): string {
  checkOptions(digits, algorithm);
  if (!Buffer.isBuffer(secret) || secret.length === 0) {
    throw new ConfigError("HOTP secret must be a non-empty Buffer");
  }
  if (typeof counter === "number" && !Number.isSafeInteger(counter)) {
    throw new ConfigError(`HOTP counter must be a whole number, got ${String(counter)}`);
  }
  const big = BigInt(counter);
  if (big < 0n || big > MAX_COUNTER) {
    throw new ConfigError("HOTP counter must fit in 64 unsigned bits");
  }

  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(big);
  const mac = createHmac(algorithm, secret).update(message).digest();
  // Dynamic truncation (§5.4): the low nibble of the last byte picks 4 bytes; the top bit is
  // dropped so the result is the same whether a platform reads it as signed or unsigned.
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, "0");
}

/** The RFC 6238 §4.2 time step T = floor((time - T0) / X), with T0 = 0. */
export function totpStep(timeMs: number, period = 30): number {
  checkPeriod(period);
  if (!Number.isFinite(timeMs) || timeMs < 0) {
    throw new ConfigError(
      `TOTP time must be a non-negative number of milliseconds, got ${String(timeMs)}`,
    );
  }
  return Math.floor(timeMs / (period * 1000));
}

/** The TOTP code (RFC 6238) for the step that contains `timeMs`. */
export function totpCode(
  secret: Buffer,
  timeMs: number,
  { period = 30, digits, algorithm }: TOTPOptions = {},
): string {
  return hotp(secret, totpStep(timeMs, period), { digits, algorithm });
}

export interface VerifyTOTPInput extends TOTPOptions {
  secret: Buffer;
  /** What the user typed. Anything but exactly `digits` ASCII digits is rejected unchecked. */
  code: string;
  /** Server time; never a time the client sends. */
  timeMs: number;
  /** Steps accepted either side of the current one. Default 1. */
  skew?: number;
  /** The step of the last accepted code for this device, if any. */
  lastUsedStep?: number | null;
}

export type VerifyTOTPResult = { ok: true; step: number } | { ok: false };

/**
 * Checks a TOTP code in the window [T - skew, T + skew]. On success returns the matching step,
 * which the caller must store as the device's last used step (and pass back next time).
 */
export function verifyTotp({
  secret,
  code,
  timeMs,
  period = 30,
  skew = 1,
  digits = 6,
  algorithm = "sha1",
  lastUsedStep = null,
}: VerifyTOTPInput): VerifyTOTPResult {
  checkOptions(digits, algorithm);
  if (!Number.isInteger(skew) || skew < 0 || skew > 10) {
    throw new ConfigError(
      `TOTP skew must be a whole number of steps from 0 to 10, got ${String(skew)}`,
    );
  }
  // A NaN or string here would make every `step <= lastUsedStep` false and disable the replay
  // check, so anything but an integer or null fails loudly.
  if (lastUsedStep !== null && lastUsedStep !== undefined && !Number.isSafeInteger(lastUsedStep)) {
    throw new ConfigError("TOTP lastUsedStep must be a whole number or null");
  }
  // Input the client controls: reject malformed codes before any HMAC is computed.
  if (typeof code !== "string" || code.length !== digits || !/^[0-9]+$/.test(code)) {
    return { ok: false };
  }

  const current = totpStep(timeMs, period);
  let matched: number | null = null;
  // Every candidate step is compared, with no early exit, so the time taken does not tell which
  // step matched. RFC 6238 §5.2: at most a small window of network delay is tolerated.
  for (let step = current - skew; step <= current + skew; step++) {
    if (step < 0) continue;
    // RFC 6238 §5.2: "the verifier MUST NOT accept the second attempt of the OTP after the
    // successful validation has been issued for the first OTP". Storing the last accepted step
    // and refusing it and every earlier step also stops an older code that is still in the window.
    if (lastUsedStep !== null && lastUsedStep !== undefined && step <= lastUsedStep) continue;
    // Constant-time (ASVS 11.2.4), so an attacker cannot learn the code digit by digit.
    // On the rare collision of two steps' codes the later step wins, so replaying the same
    // digits later in the window is refused too.
    if (constantTimeEqual(hotp(secret, step, { digits, algorithm }), code)) matched = step;
  }
  return matched === null ? { ok: false } : { ok: true, step: matched };
}

/**
 * A new TOTP secret: 20 bytes (160 bits) from the CSPRNG, the length RFC 4226 §4 recommends
 * and the output size of HMAC-SHA-1 (RFC 6238 §5.1).
 */
export function generateTotpSecret(): Buffer {
  return randomBytes(20);
}

export interface OtpauthURIInput {
  issuer: string;
  account: string;
  /** The secret in base32; padding is dropped, as the key URI format asks. */
  secretBase32: string;
  period?: number;
  digits?: number;
  /** Added to the URI only when not SHA-1, the default that apps assume. */
  algorithm?: OTPAlgorithm;
}

/**
 * The `otpauth://totp/...` key URI that authenticator apps read from a QR code.
 *
 * @example
 * otpauthURI({ issuer: "Acme", account: "alice@example.com", secretBase32 })
 * // otpauth://totp/Acme:alice%40example.com?secret=...&issuer=Acme&digits=6&period=30
 */
export function otpauthURI({
  issuer,
  account,
  secretBase32,
  period = 30,
  digits = 6,
  algorithm = "sha1",
}: OtpauthURIInput): string {
  checkOptions(digits, algorithm);
  checkPeriod(period);
  // encodeURIComponent, not encodeURI: encodeURI leaves ":", "?", "#", "&" and "/" alone, so an
  // app named "Acme: Admin" or "Q&A #1" would add a second label separator, end the path early
  // or start a fragment, and the app would read a different issuer, account or secret.
  const issuerPart = encodeURIComponent(issuer);
  const label = `${issuerPart}:${encodeURIComponent(account)}`;
  const secret = encodeURIComponent(secretBase32.replace(/[=\s]/g, "").toUpperCase());
  const algorithmPart = algorithm === "sha1" ? "" : `&algorithm=${algorithm.toUpperCase()}`;
  return (
    `otpauth://totp/${label}?secret=${secret}&issuer=${issuerPart}${algorithmPart}` +
    `&digits=${digits}&period=${period}`
  );
}

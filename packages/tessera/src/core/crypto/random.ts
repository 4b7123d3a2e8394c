import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";

/** A random, URL-safe token with `bytes` bytes of entropy from the CSPRNG (ASVS 11.5.1: at least 16). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}

/** A random identifier (UUID v4). Identifiers are not secrets; use {@link randomToken} for those. */
export function randomId(): string {
  return randomUUID();
}

export function sha256Hex(input: string | Buffer): string {
  return createHash("sha256").update(input).digest("hex");
}

export function hmacSha256(key: Buffer, input: string | Buffer): Buffer {
  return createHmac("sha256", key).update(input).digest();
}

/**
 * Compares two secrets in constant time (ASVS 11.2.4). Both sides are hashed first, so inputs of
 * different lengths compare as unequal without throwing and without leaking the length through
 * an early return (node's timingSafeEqual throws on a length mismatch).
 */
export function constantTimeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const da = createHash("sha256").update(a).digest();
  const db = createHash("sha256").update(b).digest();
  return timingSafeEqual(da, db);
}

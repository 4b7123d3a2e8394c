/**
 * Access tokens that already passed verification, keyed by their exact bytes.
 *
 * Verification (one RSA signature check) is the cost of every request; a client repeats the same
 * token until it expires, so a hit skips the signature check and the decoding. Safe because the
 * key is the whole token: any other byte sequence, tampered or not, is a miss and is verified in
 * full. An entry is never used at or after the token's `exp`, the map holds at most `maxEntries`
 * (oldest evicted first), and each hit gets its own parsed copy of the payload, so an app that
 * changes a payload object cannot change what the next request sees. Everything checked per
 * request (anti-CSRF, claims, the database with `checkDatabase`) still runs on a hit.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, { payloadJSON: string; expiresAtMs: number }>();

  constructor(private readonly maxEntries: number) {}

  get(token: string, nowMs: number): string | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (nowMs >= entry.expiresAtMs) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.payloadJSON;
  }

  set(token: string, payloadJSON: string, expiresAtMs: number): void {
    if (this.maxEntries <= 0) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(token, { payloadJSON, expiresAtMs });
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Signing keys for access tokens: kept in storage (private parts sealed with the master key when
 * one is configured), rotated on a schedule, and cached in memory as imported key objects so that
 * verification does no parsing and no I/O.
 *
 * Rotation: the dynamic key of period p = floor(now / interval) signs tokens made during p. The row
 * is unique on (kind, period), so two instances rotating at the same moment insert one key: the
 * loser reads the winner's. A key verifies until every token it signed has expired
 * (end of its period + access-token validity), then it is deleted.
 *
 * Staleness: an instance that meets an unknown `kid` re-reads the table (at most once per
 * {@link RELOAD_COOLDOWN_MS}). The next period's key is stored half a period before it signs
 * anything, so a token signed anywhere verifies everywhere.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { randomToken } from "../../core/crypto/random.js";
import { now } from "../../core/clock.js";
import type { SecretBox } from "../../core/recipe.js";
import type { KeyKind, SigningKeyRow, Storage } from "../../core/storage.js";

export const ACCESS_TOKEN_ALGORITHM = "RS256";
const RELOAD_COOLDOWN_MS = 500;
const KID_PATTERN = /^[ds]-[A-Za-z0-9_-]{8,64}$/;

interface CachedKey {
  row: SigningKeyRow;
  publicKey: KeyObject;
  privateKey?: KeyObject;
}

export interface KeyRingOptions {
  storage: Storage;
  secretBox: SecretBox;
  rotationIntervalMs: number;
  accessTokenValidityMs: number;
}

export class KeyRing {
  private readonly keys = new Map<string, CachedKey>();
  private lastReload = -Infinity;
  private reloading: Promise<void> | undefined;
  private refreshMacKey: Promise<Buffer> | undefined;

  constructor(private readonly options: KeyRingOptions) {}

  /** The key to sign with now: the current period's dynamic key, or the static key. */
  async signingKey(kind: KeyKind): Promise<{ kid: string; privateKey: KeyObject }> {
    const period = kind === "dynamic" ? Math.floor(now() / this.options.rotationIntervalMs) : 0;
    let key = this.find(kind, period);
    if (!key) {
      await this.reload(true);
      key = this.find(kind, period);
    }
    if (!key) {
      await this.options.storage.keys.insert(this.generate(kind, period));
      await this.reload(true);
      key = this.find(kind, period);
      // Retired keys are swept when a new one is made: rare, and off the request path of verification.
      await this.options.storage.keys.deleteRetired(now());
    }
    if (!key) throw new Error("Signing key could not be stored or read back");
    if (kind === "dynamic") await this.publishNextKey(period);
    key.privateKey ??= createPrivateKey(this.options.secretBox.open(key.row.privateKey, `signing-key:${key.row.kid}`));
    return { kid: key.row.kid, privateKey: key.privateKey };
  }

  /**
   * The public key for a `kid`, or undefined. Memory first; an unknown but well-formed kid
   * triggers one shared, rate-limited re-read of storage. Malformed kids never reach storage.
   */
  async verificationKey(kid: string): Promise<KeyObject | undefined> {
    const cached = this.keys.get(kid);
    if (cached) return now() < cached.row.retireAt ? cached.publicKey : undefined;
    if (!KID_PATTERN.test(kid)) return undefined;
    await this.reload(false);
    const key = this.keys.get(kid);
    return key && now() < key.row.retireAt ? key.publicKey : undefined;
  }

  /** Cached lookup only, for the hot path; undefined means "ask {@link verificationKey}". */
  cachedVerificationKey(kid: string): KeyObject | undefined {
    const cached = this.keys.get(kid);
    return cached && now() < cached.row.retireAt ? cached.publicKey : undefined;
  }

  /** Public keys of every key that still verifies, as a JWKS document. */
  async jwks(): Promise<{ keys: Record<string, unknown>[] }> {
    await this.reload(true);
    const keys: Record<string, unknown>[] = [];
    for (const key of this.keys.values()) {
      if (now() >= key.row.retireAt) continue;
      keys.push({ ...(JSON.parse(key.row.publicKey) as Record<string, unknown>), kid: key.row.kid, alg: key.row.algorithm, use: "sig" });
    }
    return { keys };
  }

  /** The secret that authenticates refresh tokens; made once per deployment, shared through storage. */
  macKey(): Promise<Buffer> {
    this.refreshMacKey ??= (async () => {
      const context = "secret:refresh-token-mac";
      let sealed = await this.options.storage.keys.getSecret("refresh-token-mac");
      sealed ??= await this.options.storage.keys.putSecretIfAbsent("refresh-token-mac", this.options.secretBox.seal(randomToken(32), context));
      return Buffer.from(this.options.secretBox.open(sealed, context), "base64url");
    })();
    this.refreshMacKey.catch(() => {
      this.refreshMacKey = undefined;
    });
    return this.refreshMacKey;
  }

  /**
   * Once the current period is half over, the next period's key is stored ahead of its use. Every
   * instance that reads the key table from then on knows it, so when signing moves to it, the
   * re-read cooldown can never hide it from a verifier (rotation interval > 2 × cooldown).
   */
  private async publishNextKey(period: number): Promise<void> {
    const interval = this.options.rotationIntervalMs;
    if (now() - period * interval < interval / 2 || this.find("dynamic", period + 1)) return;
    await this.reload(true);
    if (this.find("dynamic", period + 1)) return;
    await this.options.storage.keys.insert(this.generate("dynamic", period + 1));
    await this.reload(true);
  }

  private find(kind: KeyKind, period: number): CachedKey | undefined {
    for (const key of this.keys.values()) if (key.row.kind === kind && key.row.period === period) return key;
    return undefined;
  }

  private reload(force: boolean): Promise<void> {
    if (this.reloading) return this.reloading;
    if (!force && now() - this.lastReload < RELOAD_COOLDOWN_MS) return Promise.resolve();
    // Stamped when the read starts: a key inserted during the read is caught by the next one.
    const started = now();
    this.reloading = (async () => {
      try {
        const rows = await this.options.storage.keys.list();
        for (const row of rows) {
          if (this.keys.has(row.kid)) continue;
          const jwk = JSON.parse(row.publicKey) as Record<string, unknown>;
          this.keys.set(row.kid, { row, publicKey: createPublicKey({ key: jwk as never, format: "jwk" }) });
        }
        const present = new Set(rows.map((r) => r.kid));
        for (const kid of this.keys.keys()) if (!present.has(kid)) this.keys.delete(kid);
        this.lastReload = started;
      } finally {
        this.reloading = undefined;
      }
    })();
    return this.reloading;
  }

  private generate(kind: KeyKind, period: number): SigningKeyRow {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const kid = `${kind === "dynamic" ? "d" : "s"}-${randomToken(16)}`;
    const createdAt = now();
    const periodEnd = kind === "dynamic" ? (period + 1) * this.options.rotationIntervalMs : Number.MAX_SAFE_INTEGER;
    const retireAt = kind === "dynamic" ? periodEnd + this.options.accessTokenValidityMs : Number.MAX_SAFE_INTEGER;
    return {
      kid,
      kind,
      algorithm: ACCESS_TOKEN_ALGORITHM,
      period,
      publicKey: JSON.stringify(publicKey.export({ format: "jwk" })),
      privateKey: this.options.secretBox.seal(privateKey.export({ format: "pem", type: "pkcs8" }).toString(), `signing-key:${kid}`),
      createdAt,
      retireAt,
    };
  }
}

/**
 * The storage port: everything tessera keeps, behind one interface that each storage adapter
 * (SQLite, PostgreSQL) implements. Nothing above this interface knows which database it runs on.
 *
 * Rules every adapter follows:
 * - Methods return values or `null`/`false`; they throw only when the database fails
 *   (then with {@link StorageUnavailableError} where the database could not be reached).
 * - Writes that must not race are compare-and-set: they say in their result whether they applied,
 *   so two processes sharing one database cannot both win.
 * - Timestamps are integer milliseconds since the epoch. JSON columns round-trip plain objects.
 * - Secrets arrive here already hashed or encrypted; adapters store what they are given.
 */
export interface Storage {
  readonly sessions: SessionStore;
  readonly keys: KeyStore;
  /** Resolves once the schema is migrated and the database answers. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface SessionRow {
  handle: string;
  userId: string;
  recipeUserId: string;
  tenantId: string;
  /** sha256(sha256(refresh token)) of the committed refresh token. */
  refreshHash2: string;
  /** The committed hash before the last promotion; lets a racing sibling refresh through within the grace window. */
  prevRefreshHash2: string | null;
  /** When the last promotion happened (ms), or null if none yet. */
  promotedAt: number | null;
  /** The database copy of the access-token payload: user payload and claims, without the protected fields. */
  accessTokenPayload: Record<string, unknown>;
  /** `sessionDataInDatabase`: never sent to the client. */
  sessionData: Record<string, unknown>;
  createdAt: number;
  /** Sliding expiry: moved forward on refresh. */
  expiresAt: number;
}

export interface RefreshUpdate {
  refreshHash2: string;
  prevRefreshHash2: string | null;
  promotedAt: number | null;
  expiresAt: number;
}

export interface SessionStore {
  create(row: SessionRow): Promise<void>;
  get(handle: string): Promise<SessionRow | null>;
  /** Compare-and-set on the committed refresh hash: applies only while it still equals `expectedRefreshHash2`. */
  updateRefresh(handle: string, expectedRefreshHash2: string, update: RefreshUpdate): Promise<boolean>;
  updatePayload(handle: string, accessTokenPayload: Record<string, unknown>): Promise<boolean>;
  updateData(handle: string, sessionData: Record<string, unknown>): Promise<boolean>;
  /** Deletes the given sessions; returns the handles that existed. */
  delete(handles: readonly string[]): Promise<string[]>;
  /** Handles of the user's sessions (all tenants when `tenantId` is undefined), expired ones included until swept. */
  listHandlesForUser(userId: string, tenantId?: string): Promise<string[]>;
  /** Removes sessions whose `expiresAt` is before `nowMs`; returns how many. */
  deleteExpired(nowMs: number): Promise<number>;
}

export type KeyKind = "dynamic" | "static";

export interface SigningKeyRow {
  kid: string;
  kind: KeyKind;
  algorithm: string;
  /** Rotation period index for dynamic keys (floor(createdAt / interval)); 0 for the static key. Unique with `kind`. */
  period: number;
  /** Public key as a JWK JSON string. */
  publicKey: string;
  /** Private key as PKCS#8 PEM, or its encrypted form when a master key is configured. */
  privateKey: string;
  createdAt: number;
  /** After this time the key no longer verifies and may be deleted. */
  retireAt: number;
}

export interface KeyStore {
  list(): Promise<SigningKeyRow[]>;
  /** Inserts unless a key of the same kind and period exists; returns whether this call inserted it. */
  insert(row: SigningKeyRow): Promise<boolean>;
  /** Removes keys whose `retireAt` is before `nowMs` (a key retiring exactly now is kept); returns how many. */
  deleteRetired(nowMs: number): Promise<number>;
  /** A named secret (e.g. the refresh-token MAC key), stored as given. */
  getSecret(name: string): Promise<string | null>;
  /** Inserts the secret unless one of that name exists; returns the value that is stored afterwards. */
  putSecretIfAbsent(name: string, value: string): Promise<string>;
}

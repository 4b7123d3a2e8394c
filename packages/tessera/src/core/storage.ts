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
  readonly users: UserStore;
  readonly emailPassword: EmailPasswordStore;
  readonly totp: TotpStore;
  readonly emailVerification: EmailVerificationStore;
  readonly userRoles: UserRolesStore;
  readonly limits: LimitStore;
  readonly recoveryCodes: RecoveryCodeStore;
  readonly passwordless: PasswordlessStore;
  readonly trustedDevices: TrustedDeviceStore;
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

/** The expiry rules a store applies itself in {@link SessionStore.updateRefreshIfLive}. Integer milliseconds. */
export interface SessionExpiryRule {
  /** The moment judged: a session whose `expiresAt` is at or before it has expired. */
  nowMs: number;
  /**
   * The absolute lifetime, when one is configured: a session whose `createdAt + maxLifetimeMs` is at
   * or before `nowMs` has expired too, and a new `expiresAt` is capped at `createdAt + maxLifetimeMs`.
   */
  maxLifetimeMs: number | undefined;
}

export interface SessionStore {
  create(row: SessionRow): Promise<void>;
  get(handle: string): Promise<SessionRow | null>;
  /** Compare-and-set on the committed refresh hash: applies only while it still equals `expectedRefreshHash2`. */
  updateRefresh(handle: string, expectedRefreshHash2: string, update: RefreshUpdate): Promise<boolean>;
  /**
   * {@link updateRefresh} without the read before it, in one statement: applies `update` only while
   * the committed hash still equals `expectedRefreshHash2` and the session has not expired by either
   * rule of `expiry`, storing `min(update.expiresAt, createdAt + expiry.maxLifetimeMs)` as the new
   * expiry. Returns the row as it is after the update, or null when nothing was changed (unknown
   * handle, another hash, expired). Of racing calls that set different hashes exactly one applies.
   * Optional: a store without it (one written before it existed) refreshes by read and
   * compare-and-set, as before.
   */
  updateRefreshIfLive?(handle: string, expectedRefreshHash2: string, update: RefreshUpdate, expiry: SessionExpiryRule): Promise<SessionRow | null>;
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

// ---- users (shared by every login method) ----

export interface UserStore {
  /** The user's metadata object (`{}` when none). MFA keeps `requiredSecondaryFactors` here. */
  getMetadata(userId: string): Promise<Record<string, unknown>>;
  /** Shallow-merges `update` into the metadata (a `null` value deletes the key); returns the result. */
  updateMetadata(userId: string, update: Record<string, unknown>): Promise<Record<string, unknown>>;
}

// ---- email + password ----

export interface EmailPasswordUserRow {
  userId: string;
  tenantId: string;
  /** Normalised (NFC, trimmed, domain lower-cased). Unique per tenant. */
  email: string;
  passwordHash: string;
  timeJoined: number;
}

export interface EmailPasswordStore {
  /** Inserts the user; false when the email is already taken in that tenant. */
  createUser(row: EmailPasswordUserRow): Promise<boolean>;
  getUserByEmail(tenantId: string, email: string): Promise<EmailPasswordUserRow | null>;
  getUserById(userId: string): Promise<EmailPasswordUserRow | null>;
  updateUser(userId: string, changes: { email?: string; passwordHash?: string }): Promise<"OK" | "EMAIL_ALREADY_EXISTS" | "UNKNOWN_USER">;
  /** Stores a reset token by its hash (the token itself is never stored). */
  createResetToken(row: { tokenHash: string; userId: string; email: string; expiresAt: number }): Promise<void>;
  /**
   * Single use, atomically: deletes the token and every other reset token of its user, and returns
   * its user if it had not expired at `nowMs`; null for unknown, used or expired tokens.
   */
  consumeResetToken(tokenHash: string, nowMs: number): Promise<{ userId: string; email: string } | null>;
}

// ---- TOTP ----

export interface TotpDeviceRow {
  userId: string;
  name: string;
  /** The seed, sealed by the secret box (never stored in clear when a master key is configured). */
  secret: string;
  period: number;
  skew: number;
  verified: boolean;
  createdAt: number;
}

export interface TotpStore {
  /** Inserts the device; an unverified device of that name is replaced, a verified one is kept and false returned. */
  createDevice(row: TotpDeviceRow): Promise<boolean>;
  listDevices(userId: string): Promise<TotpDeviceRow[]>;
  /** Marks the device verified; returns true only if this call changed it from unverified. */
  markDeviceVerified(userId: string, name: string): Promise<boolean>;
  removeDevice(userId: string, name: string): Promise<boolean>;
  /**
   * Replay guard, compare-and-set: records `step` as the user's last used time step only if it is
   * greater than the stored one. Exactly one of two racing calls with the same step returns true.
   */
  useStep(userId: string, step: number): Promise<boolean>;
  recordAttempt(userId: string, success: boolean, atMs: number): Promise<void>;
  /** The user's newest attempts, newest first, at most `limit`. */
  latestAttempts(userId: string, limit: number): Promise<{ success: boolean; at: number }[]>;
}

// ---- email verification ----

export interface EmailVerificationTokenRow {
  /** sha256 of the token; the token itself is never stored. */
  tokenHash: string;
  /** The recipe user whose email the token verifies. */
  userId: string;
  /** The address the token is for, as it was when the token was made. */
  email: string;
  tenantId: string;
  expiresAt: number;
}

export interface EmailVerificationStore {
  createToken(row: EmailVerificationTokenRow): Promise<void>;
  /**
   * Single use, atomically: deletes the token and every other token of the same user and email,
   * and returns what it was for if it had not expired at `nowMs`; null for unknown, used or
   * expired tokens. Expired tokens of anyone are swept on the way.
   */
  consumeToken(tokenHash: string, nowMs: number): Promise<{ userId: string; email: string; tenantId: string } | null>;
  /** Deletes the user's tokens for that email in that tenant; returns how many. */
  revokeTokens(userId: string, email: string, tenantId: string): Promise<number>;
  /** Records that the user owns the email; true when this call changed it (false if it was already recorded). */
  markVerified(userId: string, email: string, atMs: number): Promise<boolean>;
  /** Verification is of a (user, email) pair: a changed email is unverified until verified itself. */
  isVerified(userId: string, email: string): Promise<boolean>;
  /** Forgets the verification; true when there was one. */
  unmarkVerified(userId: string, email: string): Promise<boolean>;
}

// ---- user roles ----

/**
 * Roles and their permissions are app-wide; a role is given to a user in one tenant. Lists come
 * back sorted by code unit, so every adapter answers in the same order.
 */
export interface UserRolesStore {
  /** Creates the role if missing and adds the permissions it lacks; true when the role was created. */
  createRoleOrAddPermissions(role: string, permissions: readonly string[]): Promise<boolean>;
  /** The role's permissions, or null when the role does not exist. */
  getPermissionsForRole(role: string): Promise<string[] | null>;
  /** Removes those permissions from the role; false when the role does not exist. */
  removePermissionsFromRole(role: string, permissions: readonly string[]): Promise<boolean>;
  /** Deletes the role, its permissions and every user's assignment of it; false when it did not exist. */
  deleteRole(role: string): Promise<boolean>;
  getAllRoles(): Promise<string[]>;
  getRolesThatHavePermission(permission: string): Promise<string[]>;
  addRoleToUser(tenantId: string, userId: string, role: string): Promise<"ADDED" | "ALREADY_ASSIGNED" | "UNKNOWN_ROLE">;
  removeRoleFromUser(tenantId: string, userId: string, role: string): Promise<"REMOVED" | "NOT_ASSIGNED" | "UNKNOWN_ROLE">;
  getRolesForUser(tenantId: string, userId: string): Promise<string[]>;
  /** The users who have the role in that tenant, or null when the role does not exist. */
  getUsersThatHaveRole(tenantId: string, role: string): Promise<string[] | null>;
}

// ---- attempt limits (core/limits.ts) ----

/**
 * One counter of the shared limiter: a run of failures (or requests) under one key, e.g. an
 * account's consecutive failed credentials or one client address's sign-in failures. The store
 * keeps facts only; what they mean (locked or not, until when) is decided by the rule a caller
 * applies (core/limits.ts), so callers with different rules can share one counter.
 */
export interface LimitCounterRow {
  key: string;
  /** Events in the current run. */
  failures: number;
  /** When the run's first event happened (ms). */
  firstAt: number;
  /** When its latest event happened (ms). */
  lastAt: number;
  /** Bumped by every write: the compare-and-set token. */
  version: number;
}

export interface LimitStore {
  get(key: string): Promise<LimitCounterRow | null>;
  /**
   * Compare-and-set: writes the counter only while its stored version is still `expectedVersion`
   * (`null`: only if there is no row yet), and stores version `expectedVersion + 1` (1 for a new
   * row). Of two racing writers with the same expectation exactly one returns true.
   */
  put(key: string, expectedVersion: number | null, next: { failures: number; firstAt: number; lastAt: number }): Promise<boolean>;
  /** Forgets the counter (a success ends the run); true when there was one. */
  delete(key: string): Promise<boolean>;
  /** Removes counters whose latest event is before `beforeMs` (only keys starting with `keyPrefix` when given); returns how many. */
  deleteOlderThan(beforeMs: number, keyPrefix?: string): Promise<number>;
}

// ---- recovery codes ----

export interface RecoveryCodeRow {
  userId: string;
  /** Random per code (never reused), so a code of a replaced set can never mark one of the new set used. */
  codeId: string;
  /** A salted KDF hash (argon2id PHC string) of the normalised code; the code itself is never stored. */
  codeHash: string;
  createdAt: number;
  usedAt: number | null;
}

export interface RecoveryCodeStore {
  /** Replaces the user's whole set (used codes included) with these, atomically. */
  replaceCodes(userId: string, codes: readonly { codeId: string; codeHash: string }[], atMs: number): Promise<void>;
  /** The user's unused codes, in creation order. */
  listUnused(userId: string): Promise<RecoveryCodeRow[]>;
  /**
   * Single use, compare-and-set: marks the code used only if it is still unused and still has
   * this hash. Of racing uses of one code exactly one returns true.
   */
  markUsed(userId: string, codeId: string, codeHash: string, atMs: number): Promise<boolean>;
  countUnused(userId: string): Promise<number>;
  /** Deletes every code of the user; returns how many there were. */
  deleteCodes(userId: string): Promise<number>;
}

// ---- trusted devices (multifactorauth, "remember this device") ----

export interface TrustedDeviceRow {
  /** Random identifier (not a secret): names the device in lists and in its cookie. */
  id: string;
  userId: string;
  tenantId: string;
  /** sha256 (hex) of the device cookie's current secret; the secret itself is never stored. */
  tokenHash: string;
  /** A human-readable label, e.g. taken from the User-Agent when the device was remembered. */
  label: string;
  createdAt: number;
  /** When the device last stood in for the second factor (its creation time until then). */
  lastUsedAt: number;
  /** Fixed at creation: using the device does not extend it. */
  expiresAt: number;
}

export interface TrustedDeviceStore {
  create(row: TrustedDeviceRow): Promise<void>;
  get(id: string): Promise<TrustedDeviceRow | null>;
  /**
   * Rotation, compare-and-set: replaces the token hash (and sets `lastUsedAt = nowMs`) only while
   * the stored hash is still `expectedTokenHash` and the device has not expired at `nowMs`. Of two
   * racing rotations of one token exactly one returns true.
   */
  rotate(id: string, expectedTokenHash: string, nextTokenHash: string, nowMs: number): Promise<boolean>;
  /** The user's devices (in one tenant, or all when `tenantId` is undefined), oldest first; expired ones included until swept. */
  listForUser(userId: string, tenantId?: string): Promise<TrustedDeviceRow[]>;
  /** Deletes the device only if it belongs to `userId`; true when it did. */
  delete(id: string, userId: string): Promise<boolean>;
  /** Deletes every device of the user (in one tenant, or all when `tenantId` is undefined); returns how many. */
  deleteForUser(userId: string, tenantId?: string): Promise<number>;
  /** Removes devices whose `expiresAt` is at or before `nowMs`; returns how many. */
  deleteExpired(nowMs: number): Promise<number>;
}

// ---- passwordless one-time codes ----

/** Who a passwordless flow or user is: exactly one of an email (normalised) or an E.164 phone number. */
export type PasswordlessContact = { email: string } | { phoneNumber: string };

/**
 * One sign-in attempt ("device" in the protocol): the flow a client holds by its `deviceId` and
 * `preAuthSessionId`, with one code per send (a resend adds a code and keeps the count).
 */
export interface PasswordlessDeviceRow {
  /** Public: travels in the magic link. The primary key. */
  preAuthSessionId: string;
  /** sha256 of the deviceId the client holds; the deviceId is never stored (it keys the code hashes). */
  deviceIdHash: string;
  tenantId: string;
  email: string | null;
  phoneNumber: string | null;
  flowType: "USER_INPUT_CODE" | "MAGIC_LINK" | "USER_INPUT_CODE_AND_MAGIC_LINK";
  /** Code inputs checked so far (each is counted before it is checked). */
  failedAttempts: number;
  createdAt: number;
}

export interface PasswordlessCodeRow {
  codeId: string;
  preAuthSessionId: string;
  /** HMAC-SHA256 of the user input code keyed with the deviceId (hex). */
  userInputCodeHash: string;
  /** sha256 of the link code (hex). */
  linkCodeHash: string;
  createdAt: number;
  expiresAt: number;
}

export interface PasswordlessUserRow {
  userId: string;
  tenantId: string;
  /** Normalised; unique per tenant. At least one of email and phoneNumber is set. */
  email: string | null;
  /** E.164; unique per tenant. */
  phoneNumber: string | null;
  timeJoined: number;
}

export interface PasswordlessStore {
  /** Inserts a new device with its first code, atomically. */
  createDevice(device: PasswordlessDeviceRow, code: PasswordlessCodeRow): Promise<void>;
  /** Adds a code to an existing device (a resend); false when the device is gone. */
  addCode(code: PasswordlessCodeRow): Promise<boolean>;
  /** The device and its codes (oldest first), by its preAuthSessionId or by its deviceId hash. */
  getDevice(by: { preAuthSessionId: string } | { deviceIdHash: string }): Promise<{ device: PasswordlessDeviceRow; codes: PasswordlessCodeRow[] } | null>;
  /** The devices of one contact in a tenant, oldest first. */
  listDevices(tenantId: string, contact: PasswordlessContact): Promise<PasswordlessDeviceRow[]>;
  /**
   * Counts one code input, compare-and-set: only while the device has fewer than `max` counted;
   * returns the new count, or null when the device is gone or its inputs are used up.
   */
  countAttempt(preAuthSessionId: string, max: number): Promise<number | null>;
  /**
   * Single use: deletes the device and its codes only if the code is still one of them, and
   * returns the device; null otherwise. Of racing consumes exactly one gets the device.
   */
  consumeCode(preAuthSessionId: string, codeId: string): Promise<PasswordlessDeviceRow | null>;
  deleteDevice(preAuthSessionId: string): Promise<boolean>;
  /** Deletes one code; its device stays (without codes it can only be restarted). */
  deleteCode(codeId: string): Promise<boolean>;
  /** Deletes every device of the contact in the tenant; returns how many. */
  deleteDevices(tenantId: string, contact: PasswordlessContact): Promise<number>;
  /** Deletes devices none of whose codes is valid at `beforeMs` (expired before it, or none left); returns how many. */
  deleteExpired(beforeMs: number): Promise<number>;
  /** Inserts the user; false when its email or phone number is already taken in that tenant. */
  createUser(row: PasswordlessUserRow): Promise<boolean>;
  getUserById(userId: string): Promise<PasswordlessUserRow | null>;
  getUserByContact(tenantId: string, contact: PasswordlessContact): Promise<PasswordlessUserRow | null>;
  /** Sets (a string) or removes (null) the email and/or the phone number; undefined leaves one as it is. */
  updateUser(
    userId: string,
    changes: { email?: string | null; phoneNumber?: string | null },
  ): Promise<"OK" | "UNKNOWN_USER" | "EMAIL_ALREADY_EXISTS" | "PHONE_NUMBER_ALREADY_EXISTS">;
}

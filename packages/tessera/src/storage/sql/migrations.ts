/**
 * The schema, as versioned plain SQL per dialect. Applied only by an explicit {@link migrate}
 * call (never on import), inside one transaction, and recorded in `tessera_migrations` so that
 * running it again changes nothing.
 *
 * Never edit a migration that has shipped: add the next version instead.
 */
import { ConfigError, TesseraError } from "../../core/errors.js";
import { toNumber, type SqlDriver } from "./driver.js";
import { EMAIL_PASSWORD_MIGRATION } from "./schema/emailpassword.js";
import { TOTP_MIGRATION } from "./schema/totp.js";
import { USER_METADATA_MIGRATION } from "./schema/user-metadata.js";
import { EMAIL_VERIFICATION_MIGRATION } from "./schema/emailverification.js";
import { USER_ROLES_MIGRATION } from "./schema/userroles.js";
import { LIMITS_MIGRATION } from "./schema/limits.js";
import { RECOVERY_CODES_MIGRATION } from "./schema/recoverycodes.js";
import { PASSWORDLESS_MIGRATION } from "./schema/passwordless.js";
import { TRUSTED_DEVICES_MIGRATION } from "./schema/trusteddevices.js";

export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "sessions, signing keys, secrets",
    // STRICT makes SQLite reject a value of the wrong type instead of storing it silently.
    sqlite: `
CREATE TABLE sessions (
  handle TEXT PRIMARY KEY NOT NULL,
  user_id TEXT NOT NULL,
  recipe_user_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  refresh_hash2 TEXT NOT NULL,
  prev_refresh_hash2 TEXT,
  promoted_at INTEGER,
  access_token_payload TEXT NOT NULL,
  session_data TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_user_tenant_idx ON sessions (user_id, tenant_id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);
CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY NOT NULL,
  kind TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  period INTEGER NOT NULL,
  public_key TEXT NOT NULL,
  private_key TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  retire_at INTEGER NOT NULL,
  UNIQUE (kind, period)
) STRICT;
CREATE TABLE secrets (
  name TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
`,
    postgres: `
CREATE TABLE sessions (
  handle TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  recipe_user_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  refresh_hash2 TEXT NOT NULL,
  prev_refresh_hash2 TEXT,
  promoted_at BIGINT,
  access_token_payload TEXT NOT NULL,
  session_data TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user_tenant_idx ON sessions (user_id, tenant_id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);
CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  period BIGINT NOT NULL,
  public_key TEXT NOT NULL,
  private_key TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  retire_at BIGINT NOT NULL,
  UNIQUE (kind, period)
);
CREATE TABLE secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
`,
  },
  EMAIL_PASSWORD_MIGRATION,
  TOTP_MIGRATION,
  USER_METADATA_MIGRATION,
  EMAIL_VERIFICATION_MIGRATION,
  USER_ROLES_MIGRATION,
  LIMITS_MIGRATION,
  RECOVERY_CODES_MIGRATION,
  PASSWORDLESS_MIGRATION,
  TRUSTED_DEVICES_MIGRATION,
];

export const LATEST_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

/** Accepted by both dialects (BIGINT is an INTEGER-affinity name in SQLite). */
export const MIGRATIONS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS tessera_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`;
export const SELECT_APPLIED_SQL = "SELECT version FROM tessera_migrations";
export const RECORD_APPLIED_SQL =
  "INSERT INTO tessera_migrations (version, name, applied_at) VALUES (?, ?, ?)";

// PostgreSQL: two processes starting together must not both create the tables. The transaction
// holds this advisory lock until it ends (SQLite's BEGIN IMMEDIATE already serialises writers).
const POSTGRES_LOCK_SQL = "SELECT pg_advisory_xact_lock(7419203814)";

/** The migrations not yet applied, in version order. */
export function pendingMigrations(applied: Iterable<unknown>): Migration[] {
  const done = new Set<number>();
  for (const version of applied) done.add(toNumber(version));
  return MIGRATIONS.filter((m) => !done.has(m.version)).sort((a, b) => a.version - b.version);
}

/**
 * Brings the schema up to {@link LATEST_VERSION} in one transaction; returns the versions it
 * applied (empty when the schema was already current).
 */
export async function migrate(driver: SqlDriver): Promise<number[]> {
  return driver.transaction(async (tx) => {
    if (tx.dialect === "postgres") await tx.run(POSTGRES_LOCK_SQL);
    await tx.exec(MIGRATIONS_TABLE_SQL);
    const applied = await tx.all<{ version: unknown }>(SELECT_APPLIED_SQL);
    const pending = pendingMigrations(applied.map((row) => row.version));
    for (const migration of pending) {
      await tx.exec(migration[tx.dialect]);
      await tx.run(RECORD_APPLIED_SQL, [migration.version, migration.name, Date.now()]);
    }
    return pending.map((m) => m.version);
  });
}

/**
 * Resolves when the database answers and its schema is current; otherwise throws a
 * {@link ConfigError} saying to run {@link migrate} (or the database's own error when it failed).
 */
export async function assertMigrated(driver: SqlDriver): Promise<void> {
  let version: number;
  try {
    const row = await driver.get<{ version: unknown }>(
      "SELECT MAX(version) AS version FROM tessera_migrations",
    );
    version = row?.version === null || row?.version === undefined ? 0 : toNumber(row.version);
  } catch (error) {
    // Only a missing migrations table means "not migrated"; any other failure is reported as it is.
    if (error instanceof TesseraError || !/tessera_migrations/.test(String((error as Error)?.message))) throw error;
    version = 0;
  }
  if (version < LATEST_VERSION) {
    throw new ConfigError(
      `tessera's database schema is at version ${version}, expected ${LATEST_VERSION}: call migrate(driver) before using the storage`,
    );
  }
}

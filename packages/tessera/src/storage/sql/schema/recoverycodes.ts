import type { Migration } from "../migrations.js";

/**
 * Migration 8: recovery codes, stored only as salted argon2id hashes (NIST 800-63B §5.1.2.2:
 * look-up secrets under 112 bits need a salted KDF). Used codes keep their row, with `used_at`,
 * until the set is replaced.
 */
export const RECOVERY_CODES_MIGRATION: Migration = {
  version: 8,
  name: "recovery codes",
  sqlite: `
CREATE TABLE recovery_codes (
  code_id TEXT PRIMARY KEY NOT NULL,
  user_id TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  used_at INTEGER
) STRICT;
CREATE INDEX recovery_codes_user_idx ON recovery_codes (user_id);
`,
  postgres: `
CREATE TABLE recovery_codes (
  code_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  used_at BIGINT
);
CREATE INDEX recovery_codes_user_idx ON recovery_codes (user_id);
`,
};

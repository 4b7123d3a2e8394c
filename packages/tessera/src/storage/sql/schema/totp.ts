import type { Migration } from "../migrations.js";

/**
 * Migration 3: TOTP devices, used steps, attempts.
 *
 * Booleans are 0/1 integers in both dialects so that one statement text (`verified = 0`) serves
 * both. `totp_attempts.id` only orders attempts made within the same millisecond.
 */
export const TOTP_MIGRATION: Migration = {
  version: 3,
  name: "TOTP devices, used steps, attempts",
  sqlite: `
CREATE TABLE totp_devices (
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  secret TEXT NOT NULL,
  period INTEGER NOT NULL,
  skew INTEGER NOT NULL,
  verified INTEGER NOT NULL CHECK (verified IN (0, 1)),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, name)
) STRICT;
CREATE TABLE totp_users (
  user_id TEXT PRIMARY KEY NOT NULL,
  last_used_step INTEGER NOT NULL
) STRICT;
CREATE TABLE totp_attempts (
  id INTEGER PRIMARY KEY,
  user_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  success INTEGER NOT NULL CHECK (success IN (0, 1))
) STRICT;
CREATE INDEX totp_attempts_user_at_idx ON totp_attempts (user_id, at);
`,
  postgres: `
CREATE TABLE totp_devices (
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  secret TEXT NOT NULL,
  period INTEGER NOT NULL,
  skew INTEGER NOT NULL,
  verified SMALLINT NOT NULL CHECK (verified IN (0, 1)),
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, name)
);
CREATE TABLE totp_users (
  user_id TEXT PRIMARY KEY,
  last_used_step BIGINT NOT NULL
);
CREATE TABLE totp_attempts (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id TEXT NOT NULL,
  at BIGINT NOT NULL,
  success SMALLINT NOT NULL CHECK (success IN (0, 1))
);
CREATE INDEX totp_attempts_user_at_idx ON totp_attempts (user_id, at);
`,
};

import type { Migration } from "../migrations.js";

/**
 * Migration 5: email verification. Tokens are stored only as their sha256 and are for one user,
 * one address and one tenant. A verification is of a (user, email) pair, so a user who changes
 * address is unverified until the new one is verified. No foreign key to a users table: the
 * user may come from any login method.
 */
export const EMAIL_VERIFICATION_MIGRATION: Migration = {
  version: 5,
  name: "email verification tokens and verified emails",
  sqlite: `
CREATE TABLE emailverification_tokens (
  token_hash TEXT PRIMARY KEY NOT NULL,
  user_id TEXT NOT NULL,
  email TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX emailverification_tokens_user_idx ON emailverification_tokens (user_id, email);
CREATE INDEX emailverification_tokens_expires_at_idx ON emailverification_tokens (expires_at);
CREATE TABLE emailverification_verified (
  user_id TEXT NOT NULL,
  email TEXT NOT NULL,
  verified_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, email)
) STRICT;
`,
  postgres: `
CREATE TABLE emailverification_tokens (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  email TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX emailverification_tokens_user_idx ON emailverification_tokens (user_id, email);
CREATE INDEX emailverification_tokens_expires_at_idx ON emailverification_tokens (expires_at);
CREATE TABLE emailverification_verified (
  user_id TEXT NOT NULL,
  email TEXT NOT NULL,
  verified_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, email)
);
`,
};

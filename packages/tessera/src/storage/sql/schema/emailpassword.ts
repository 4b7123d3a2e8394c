import type { Migration } from "../migrations.js";

/**
 * Migration 2: email-password users and reset tokens. Emails are stored normalised (NFC, trimmed,
 * ASCII lower-cased) by the recipe, so the unique constraint compares them byte for byte. Reset
 * tokens are stored only as their sha256; a user's tokens go with the user.
 */
export const EMAIL_PASSWORD_MIGRATION: Migration = {
  version: 2,
  name: "email-password users and reset tokens",
  sqlite: `
CREATE TABLE emailpassword_users (
  user_id TEXT PRIMARY KEY NOT NULL,
  tenant_id TEXT NOT NULL,
  email TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  time_joined INTEGER NOT NULL,
  UNIQUE (tenant_id, email)
) STRICT;
CREATE TABLE emailpassword_reset_tokens (
  token_hash TEXT PRIMARY KEY NOT NULL,
  user_id TEXT NOT NULL REFERENCES emailpassword_users (user_id) ON DELETE CASCADE,
  email TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX emailpassword_reset_tokens_user_idx ON emailpassword_reset_tokens (user_id);
CREATE INDEX emailpassword_reset_tokens_expires_at_idx ON emailpassword_reset_tokens (expires_at);
`,
  postgres: `
CREATE TABLE emailpassword_users (
  user_id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  email TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  time_joined BIGINT NOT NULL,
  UNIQUE (tenant_id, email)
);
CREATE TABLE emailpassword_reset_tokens (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES emailpassword_users (user_id) ON DELETE CASCADE,
  email TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX emailpassword_reset_tokens_user_idx ON emailpassword_reset_tokens (user_id);
CREATE INDEX emailpassword_reset_tokens_expires_at_idx ON emailpassword_reset_tokens (expires_at);
`,
};

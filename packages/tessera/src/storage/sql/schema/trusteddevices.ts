import type { Migration } from "../migrations.js";

/**
 * Migration 10: trusted devices ("remember this device", multifactorauth). A row holds only the
 * sha256 of the device cookie's current secret; the secret is 32 random bytes, so a fast hash is
 * enough (nothing to brute-force), unlike low-entropy codes that need a salted KDF.
 */
export const TRUSTED_DEVICES_MIGRATION: Migration = {
  version: 10,
  name: "trusted devices",
  sqlite: `
CREATE TABLE trusted_devices (
  id TEXT PRIMARY KEY NOT NULL,
  user_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  label TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX trusted_devices_user_idx ON trusted_devices (user_id, tenant_id);
CREATE INDEX trusted_devices_expires_at_idx ON trusted_devices (expires_at);
`,
  postgres: `
CREATE TABLE trusted_devices (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  label TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX trusted_devices_user_idx ON trusted_devices (user_id, tenant_id);
CREATE INDEX trusted_devices_expires_at_idx ON trusted_devices (expires_at);
`,
};

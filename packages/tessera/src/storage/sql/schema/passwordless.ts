import type { Migration } from "../migrations.js";

/**
 * Migration 9: passwordless devices (one sign-in flow each), their codes, and passwordless users.
 *
 * No secret is stored in a form that gives it back: a device is found by its public
 * `pre_auth_session_id` and proved by `device_id_hash` (sha256 of the deviceId only the client
 * holds); a code is kept as an HMAC of the user input code keyed with that deviceId, and as the
 * sha256 of its link code. A device's codes go with the device.
 */
export const PASSWORDLESS_MIGRATION: Migration = {
  version: 9,
  name: "passwordless devices, codes and users",
  sqlite: `
CREATE TABLE passwordless_devices (
  pre_auth_session_id TEXT PRIMARY KEY NOT NULL,
  device_id_hash TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL,
  email TEXT,
  phone_number TEXT,
  flow_type TEXT NOT NULL,
  failed_attempts INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  CHECK ((email IS NULL) <> (phone_number IS NULL))
) STRICT;
CREATE INDEX passwordless_devices_email_idx ON passwordless_devices (tenant_id, email);
CREATE INDEX passwordless_devices_phone_idx ON passwordless_devices (tenant_id, phone_number);
CREATE TABLE passwordless_codes (
  code_id TEXT PRIMARY KEY NOT NULL,
  pre_auth_session_id TEXT NOT NULL REFERENCES passwordless_devices (pre_auth_session_id) ON DELETE CASCADE,
  user_input_code_hash TEXT NOT NULL,
  link_code_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX passwordless_codes_device_idx ON passwordless_codes (pre_auth_session_id);
CREATE INDEX passwordless_codes_expires_at_idx ON passwordless_codes (expires_at);
CREATE TABLE passwordless_users (
  user_id TEXT PRIMARY KEY NOT NULL,
  tenant_id TEXT NOT NULL,
  email TEXT,
  phone_number TEXT,
  time_joined INTEGER NOT NULL,
  UNIQUE (tenant_id, email),
  UNIQUE (tenant_id, phone_number),
  CHECK (email IS NOT NULL OR phone_number IS NOT NULL)
) STRICT;
`,
  postgres: `
CREATE TABLE passwordless_devices (
  pre_auth_session_id TEXT PRIMARY KEY,
  device_id_hash TEXT NOT NULL UNIQUE,
  tenant_id TEXT NOT NULL,
  email TEXT,
  phone_number TEXT,
  flow_type TEXT NOT NULL,
  failed_attempts INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  CHECK ((email IS NULL) <> (phone_number IS NULL))
);
CREATE INDEX passwordless_devices_email_idx ON passwordless_devices (tenant_id, email);
CREATE INDEX passwordless_devices_phone_idx ON passwordless_devices (tenant_id, phone_number);
CREATE TABLE passwordless_codes (
  code_id TEXT PRIMARY KEY,
  pre_auth_session_id TEXT NOT NULL REFERENCES passwordless_devices (pre_auth_session_id) ON DELETE CASCADE,
  user_input_code_hash TEXT NOT NULL,
  link_code_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX passwordless_codes_device_idx ON passwordless_codes (pre_auth_session_id);
CREATE INDEX passwordless_codes_expires_at_idx ON passwordless_codes (expires_at);
CREATE TABLE passwordless_users (
  user_id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  email TEXT,
  phone_number TEXT,
  time_joined BIGINT NOT NULL,
  UNIQUE (tenant_id, email),
  UNIQUE (tenant_id, phone_number),
  CHECK (email IS NOT NULL OR phone_number IS NOT NULL)
);
`,
};

import type { Migration } from "../migrations.js";

/** Migration 4: user metadata. */
export const USER_METADATA_MIGRATION: Migration = {
  version: 4,
  name: "user metadata",
  sqlite: `CREATE TABLE user_metadata (user_id TEXT PRIMARY KEY NOT NULL, metadata TEXT NOT NULL) STRICT;`,
  postgres: `CREATE TABLE user_metadata (user_id TEXT PRIMARY KEY, metadata TEXT NOT NULL);`,
};

import type { Migration } from "../migrations.js";

/**
 * Migration 7: the shared attempt limiter's counters (core/limits.ts). One row per key (an
 * account, or an endpoint and a client address); `version` is the compare-and-set token.
 */
export const LIMITS_MIGRATION: Migration = {
  version: 7,
  name: "attempt-limit counters",
  sqlite: `
CREATE TABLE limit_counters (
  counter_key TEXT PRIMARY KEY NOT NULL,
  failures INTEGER NOT NULL,
  first_at INTEGER NOT NULL,
  last_at INTEGER NOT NULL,
  version INTEGER NOT NULL
) STRICT;
CREATE INDEX limit_counters_last_at_idx ON limit_counters (last_at);
`,
  postgres: `
CREATE TABLE limit_counters (
  counter_key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  first_at BIGINT NOT NULL,
  last_at BIGINT NOT NULL,
  version BIGINT NOT NULL
);
CREATE INDEX limit_counters_last_at_idx ON limit_counters (last_at);
`,
};

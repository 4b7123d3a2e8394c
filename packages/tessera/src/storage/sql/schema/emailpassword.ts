import type { Migration } from "../migrations.js";

/** Migration 2: email-password users and reset tokens. */
export const EMAIL_PASSWORD_MIGRATION: Migration = {
  version: 2,
  name: "email-password users and reset tokens",
  sqlite: ``,
  postgres: ``,
};

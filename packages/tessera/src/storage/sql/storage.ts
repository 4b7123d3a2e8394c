/**
 * The {@link Storage} port over any {@link SqlDriver}. Dialect adapters (`storage/sqlite`,
 * `storage/postgres`) open a driver, apply {@link migrate} and hand the driver here.
 */
import type { Storage } from "../../core/storage.js";
import type { SqlDriver } from "./driver.js";
import { createSqlKeyStore } from "./keys.js";
import { assertMigrated } from "./migrations.js";
import { createSqlSessionStore } from "./sessions.js";

export function createSqlStorage(driver: SqlDriver): Storage {
  return {
    sessions: createSqlSessionStore(driver),
    keys: createSqlKeyStore(driver),
    ready: () => assertMigrated(driver),
    close: () => driver.close(),
  };
}

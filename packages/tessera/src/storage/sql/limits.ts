/** The limiter's counter store over any {@link SqlDriver}: parameterised statements only. */
import type { LimitCounterRow, LimitStore } from "../../core/storage.js";
import { toNumber, type SqlDriver } from "./driver.js";

interface CounterRecord {
  counter_key: string;
  failures: unknown;
  first_at: unknown;
  last_at: unknown;
  version: unknown;
}

export function createSqlLimitStore(driver: SqlDriver): LimitStore {
  return {
    async get(key) {
      const record = await driver.get<CounterRecord>(
        "SELECT counter_key, failures, first_at, last_at, version FROM limit_counters WHERE counter_key = ?",
        [key],
      );
      if (record === undefined) return null;
      const row: LimitCounterRow = {
        key: record.counter_key,
        failures: toNumber(record.failures),
        firstAt: toNumber(record.first_at),
        lastAt: toNumber(record.last_at),
        version: toNumber(record.version),
      };
      return row;
    },

    async put(key, expectedVersion, next) {
      // Each branch is one statement, so the compare and the set cannot be split by another
      // writer on either dialect: a new row inserts only if none exists, an update applies only
      // while the version is the one the caller read.
      const { changes } =
        expectedVersion === null
          ? await driver.run(
              "INSERT INTO limit_counters (counter_key, failures, first_at, last_at, version) VALUES (?, ?, ?, ?, 1) ON CONFLICT (counter_key) DO NOTHING",
              [key, next.failures, next.firstAt, next.lastAt],
            )
          : await driver.run(
              "UPDATE limit_counters SET failures = ?, first_at = ?, last_at = ?, version = version + 1 WHERE counter_key = ? AND version = ?",
              [next.failures, next.firstAt, next.lastAt, key, expectedVersion],
            );
      return changes === 1;
    },

    async delete(key) {
      const { changes } = await driver.run("DELETE FROM limit_counters WHERE counter_key = ?", [key]);
      return changes === 1;
    },

    async deleteOlderThan(beforeMs, keyPrefix) {
      // substr, not LIKE: the prefix is compared as it is, with no wildcard characters to escape.
      const { changes } =
        keyPrefix === undefined
          ? await driver.run("DELETE FROM limit_counters WHERE last_at < ?", [beforeMs])
          : await driver.run("DELETE FROM limit_counters WHERE last_at < ? AND substr(counter_key, 1, ?) = ?", [beforeMs, keyPrefix.length, keyPrefix]);
      return changes;
    },
  };
}

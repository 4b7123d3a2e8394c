/** The TOTP store over any {@link SqlDriver}: parameterised statements only. */
import type { TotpDeviceRow, TotpStore } from "../../core/storage.js";
import { toNumber, type SqlDriver } from "./driver.js";

interface DeviceRecord {
  user_id: string;
  name: string;
  secret: string;
  period: unknown;
  skew: unknown;
  verified: unknown;
  created_at: unknown;
}

const COLUMNS = "user_id, name, secret, period, skew, verified, created_at";

function toRow(record: DeviceRecord): TotpDeviceRow {
  return {
    userId: record.user_id,
    name: record.name,
    secret: record.secret,
    period: toNumber(record.period),
    skew: toNumber(record.skew),
    verified: toNumber(record.verified) === 1,
    createdAt: toNumber(record.created_at),
  };
}

export function createSqlTotpStore(driver: SqlDriver): TotpStore {
  return {
    async createDevice(row) {
      // One statement, so it is atomic on both dialects: a new name inserts, an unverified
      // device of that name is overwritten, and a verified one matches no row (changes 0).
      const { changes } = await driver.run(
        `INSERT INTO totp_devices (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) ` +
          "ON CONFLICT (user_id, name) DO UPDATE SET secret = excluded.secret, period = excluded.period, " +
          "skew = excluded.skew, verified = excluded.verified, created_at = excluded.created_at " +
          "WHERE totp_devices.verified = 0",
        [row.userId, row.name, row.secret, row.period, row.skew, row.verified ? 1 : 0, row.createdAt],
      );
      return changes === 1;
    },

    async listDevices(userId) {
      const records = await driver.all<DeviceRecord>(
        `SELECT ${COLUMNS} FROM totp_devices WHERE user_id = ? ORDER BY created_at, name`,
        [userId],
      );
      return records.map(toRow);
    },

    async markDeviceVerified(userId, name) {
      const { changes } = await driver.run(
        "UPDATE totp_devices SET verified = 1 WHERE user_id = ? AND name = ? AND verified = 0",
        [userId, name],
      );
      return changes === 1;
    },

    async removeDevice(userId, name) {
      const { changes } = await driver.run("DELETE FROM totp_devices WHERE user_id = ? AND name = ?", [
        userId,
        name,
      ]);
      return changes === 1;
    },

    async useStep(userId, step) {
      // Compare-and-set in one statement (RFC 6238 §5.2, one use per code): the update applies
      // only when the new step is later, so of two racing uses of one code exactly one changes a row.
      const { changes } = await driver.run(
        "INSERT INTO totp_users (user_id, last_used_step) VALUES (?, ?) " +
          "ON CONFLICT (user_id) DO UPDATE SET last_used_step = excluded.last_used_step " +
          "WHERE totp_users.last_used_step < excluded.last_used_step",
        [userId, step],
      );
      return changes === 1;
    },

    async recordAttempt(userId, success, atMs) {
      await driver.run("INSERT INTO totp_attempts (user_id, at, success) VALUES (?, ?, ?)", [
        userId,
        atMs,
        success ? 1 : 0,
      ]);
    },

    async latestAttempts(userId, limit) {
      if (!Number.isInteger(limit) || limit <= 0) return [];
      // `id` breaks ties between attempts recorded in the same millisecond: insertion order.
      const records = await driver.all<{ at: unknown; success: unknown }>(
        "SELECT at, success FROM totp_attempts WHERE user_id = ? ORDER BY at DESC, id DESC LIMIT ?",
        [userId, limit],
      );
      return records.map((r) => ({ at: toNumber(r.at), success: toNumber(r.success) === 1 }));
    },
  };
}

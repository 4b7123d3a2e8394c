/** The trusted-device store over any {@link SqlDriver}: parameterised statements only. */
import type { TrustedDeviceRow, TrustedDeviceStore } from "../../core/storage.js";
import { toNumber, type SqlDriver } from "./driver.js";

interface DeviceRecord {
  id: string;
  user_id: string;
  tenant_id: string;
  token_hash: string;
  label: string;
  created_at: unknown;
  last_used_at: unknown;
  expires_at: unknown;
}

const COLUMNS = "id, user_id, tenant_id, token_hash, label, created_at, last_used_at, expires_at";

function toRow(record: DeviceRecord): TrustedDeviceRow {
  return {
    id: record.id,
    userId: record.user_id,
    tenantId: record.tenant_id,
    tokenHash: record.token_hash,
    label: record.label,
    createdAt: toNumber(record.created_at),
    lastUsedAt: toNumber(record.last_used_at),
    expiresAt: toNumber(record.expires_at),
  };
}

export function createSqlTrustedDeviceStore(driver: SqlDriver): TrustedDeviceStore {
  return {
    async create(row) {
      await driver.run(`INSERT INTO trusted_devices (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
        row.id,
        row.userId,
        row.tenantId,
        row.tokenHash,
        row.label,
        row.createdAt,
        row.lastUsedAt,
        row.expiresAt,
      ]);
    },

    async get(id) {
      const record = await driver.get<DeviceRecord>(`SELECT ${COLUMNS} FROM trusted_devices WHERE id = ?`, [id]);
      return record === undefined ? null : toRow(record);
    },

    async rotate(id, expectedTokenHash, nextTokenHash, nowMs) {
      // Compare-and-set in one statement: of two requests presenting the same token, only the
      // first to arrive changes the row; the other matches nothing and gets false.
      const { changes } = await driver.run(
        "UPDATE trusted_devices SET token_hash = ?, last_used_at = ? WHERE id = ? AND token_hash = ? AND expires_at > ?",
        [nextTokenHash, nowMs, id, expectedTokenHash, nowMs],
      );
      return changes === 1;
    },

    async listForUser(userId, tenantId) {
      const records =
        tenantId === undefined
          ? await driver.all<DeviceRecord>(`SELECT ${COLUMNS} FROM trusted_devices WHERE user_id = ? ORDER BY created_at, id`, [userId])
          : await driver.all<DeviceRecord>(`SELECT ${COLUMNS} FROM trusted_devices WHERE user_id = ? AND tenant_id = ? ORDER BY created_at, id`, [userId, tenantId]);
      return records.map(toRow);
    },

    async delete(id, userId) {
      const { changes } = await driver.run("DELETE FROM trusted_devices WHERE id = ? AND user_id = ?", [id, userId]);
      return changes === 1;
    },

    async deleteForUser(userId, tenantId) {
      const { changes } =
        tenantId === undefined
          ? await driver.run("DELETE FROM trusted_devices WHERE user_id = ?", [userId])
          : await driver.run("DELETE FROM trusted_devices WHERE user_id = ? AND tenant_id = ?", [userId, tenantId]);
      return changes;
    },

    async deleteExpired(nowMs) {
      const { changes } = await driver.run("DELETE FROM trusted_devices WHERE expires_at <= ?", [nowMs]);
      return changes;
    },
  };
}

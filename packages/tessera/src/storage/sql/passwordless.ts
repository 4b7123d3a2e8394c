/** The passwordless store over any {@link SqlDriver}: parameterised statements only. */
import type { PasswordlessCodeRow, PasswordlessContact, PasswordlessDeviceRow, PasswordlessStore, PasswordlessUserRow } from "../../core/storage.js";
import { toNumber, type SqlDriver, type SqlParam } from "./driver.js";

interface DeviceRecord {
  pre_auth_session_id: string;
  device_id_hash: string;
  tenant_id: string;
  email: string | null;
  phone_number: string | null;
  flow_type: string;
  failed_attempts: unknown;
  created_at: unknown;
}

interface CodeRecord {
  code_id: string;
  pre_auth_session_id: string;
  user_input_code_hash: string;
  link_code_hash: string;
  created_at: unknown;
  expires_at: unknown;
}

interface UserRecord {
  user_id: string;
  tenant_id: string;
  email: string | null;
  phone_number: string | null;
  time_joined: unknown;
}

const DEVICE_COLUMNS = "pre_auth_session_id, device_id_hash, tenant_id, email, phone_number, flow_type, failed_attempts, created_at";
const CODE_COLUMNS = "code_id, pre_auth_session_id, user_input_code_hash, link_code_hash, created_at, expires_at";
const USER_COLUMNS = "user_id, tenant_id, email, phone_number, time_joined";

function toDevice(r: DeviceRecord): PasswordlessDeviceRow {
  return {
    preAuthSessionId: r.pre_auth_session_id,
    deviceIdHash: r.device_id_hash,
    tenantId: r.tenant_id,
    email: r.email,
    phoneNumber: r.phone_number,
    flowType: r.flow_type as PasswordlessDeviceRow["flowType"],
    failedAttempts: toNumber(r.failed_attempts),
    createdAt: toNumber(r.created_at),
  };
}

function toCode(r: CodeRecord): PasswordlessCodeRow {
  return {
    codeId: r.code_id,
    preAuthSessionId: r.pre_auth_session_id,
    userInputCodeHash: r.user_input_code_hash,
    linkCodeHash: r.link_code_hash,
    createdAt: toNumber(r.created_at),
    expiresAt: toNumber(r.expires_at),
  };
}

function toUser(r: UserRecord): PasswordlessUserRow {
  return { userId: r.user_id, tenantId: r.tenant_id, email: r.email, phoneNumber: r.phone_number, timeJoined: toNumber(r.time_joined) };
}

/** The column and value a contact is matched on. */
function contactColumn(contact: PasswordlessContact): [column: "email" | "phone_number", value: string] {
  return "email" in contact ? ["email", contact.email] : ["phone_number", contact.phoneNumber];
}

/** Which unique constraint a failed write hit: SQLite names the columns, PostgreSQL the constraint. */
function uniqueViolation(error: unknown): "email" | "phone" | "other" | undefined {
  for (let e: unknown = error; typeof e === "object" && e !== null; e = (e as { cause?: unknown }).cause) {
    const { code, message, constraint } = e as { code?: unknown; message?: unknown; constraint?: unknown };
    if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "23505") {
      const text = `${String(constraint ?? "")} ${String(message ?? "")}`;
      if (/phone_number/.test(text)) return "phone";
      if (/email/.test(text)) return "email";
      return "other";
    }
  }
  return undefined;
}

const codeValues = (c: PasswordlessCodeRow): SqlParam[] => [c.codeId, c.preAuthSessionId, c.userInputCodeHash, c.linkCodeHash, c.createdAt, c.expiresAt];

export function createSqlPasswordlessStore(driver: SqlDriver): PasswordlessStore {
  return {
    createDevice(device, code) {
      return driver.transaction(async (tx) => {
        await tx.run(`INSERT INTO passwordless_devices (${DEVICE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
          device.preAuthSessionId,
          device.deviceIdHash,
          device.tenantId,
          device.email,
          device.phoneNumber,
          device.flowType,
          device.failedAttempts,
          device.createdAt,
        ]);
        await tx.run(`INSERT INTO passwordless_codes (${CODE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)`, codeValues(code));
      });
    },

    async addCode(code) {
      // One statement: the code goes in only while its device still exists (a consume or the
      // last wrong input may delete it at the same moment).
      const { changes } = await driver.run(
        // (The casts give PostgreSQL the column types, which it does not infer for a SELECT list.)
        `INSERT INTO passwordless_codes (${CODE_COLUMNS}) SELECT CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT) WHERE EXISTS (SELECT 1 FROM passwordless_devices WHERE pre_auth_session_id = ?)`,
        [...codeValues(code), code.preAuthSessionId],
      );
      return changes === 1;
    },

    async getDevice(by) {
      const [column, value] = "preAuthSessionId" in by ? ["pre_auth_session_id", by.preAuthSessionId] : ["device_id_hash", by.deviceIdHash];
      const device = await driver.get<DeviceRecord>(`SELECT ${DEVICE_COLUMNS} FROM passwordless_devices WHERE ${column} = ?`, [value]);
      if (device === undefined) return null;
      const codes = await driver.all<CodeRecord>(`SELECT ${CODE_COLUMNS} FROM passwordless_codes WHERE pre_auth_session_id = ? ORDER BY created_at, code_id`, [
        device.pre_auth_session_id,
      ]);
      return { device: toDevice(device), codes: codes.map(toCode) };
    },

    async listDevices(tenantId, contact) {
      const [column, value] = contactColumn(contact);
      const records = await driver.all<DeviceRecord>(
        `SELECT ${DEVICE_COLUMNS} FROM passwordless_devices WHERE tenant_id = ? AND ${column} = ? ORDER BY created_at, pre_auth_session_id`,
        [tenantId, value],
      );
      return records.map(toDevice);
    },

    async countAttempt(preAuthSessionId, max) {
      // Compare-and-set in one statement: parallel inputs are counted one by one and none is
      // counted (or checked) past the limit.
      const row = await driver.get<{ failed_attempts: unknown }>(
        "UPDATE passwordless_devices SET failed_attempts = failed_attempts + 1 WHERE pre_auth_session_id = ? AND failed_attempts < ? RETURNING failed_attempts",
        [preAuthSessionId, max],
      );
      return row === undefined ? null : toNumber(row.failed_attempts);
    },

    consumeCode(preAuthSessionId, codeId) {
      return driver.transaction(async (tx) => {
        // DELETE ... RETURNING, conditioned on the code: of racing consumes one gets the row.
        const device = await tx.get<DeviceRecord>(
          `DELETE FROM passwordless_devices WHERE pre_auth_session_id = ? AND EXISTS (SELECT 1 FROM passwordless_codes WHERE code_id = ? AND pre_auth_session_id = ?) RETURNING ${DEVICE_COLUMNS}`,
          [preAuthSessionId, codeId, preAuthSessionId],
        );
        if (device === undefined) return null;
        // The foreign key cascades; this also holds where foreign keys are switched off.
        await tx.run("DELETE FROM passwordless_codes WHERE pre_auth_session_id = ?", [preAuthSessionId]);
        return toDevice(device);
      });
    },

    deleteDevice(preAuthSessionId) {
      return driver.transaction(async (tx) => {
        await tx.run("DELETE FROM passwordless_codes WHERE pre_auth_session_id = ?", [preAuthSessionId]);
        const { changes } = await tx.run("DELETE FROM passwordless_devices WHERE pre_auth_session_id = ?", [preAuthSessionId]);
        return changes === 1;
      });
    },

    async deleteCode(codeId) {
      const { changes } = await driver.run("DELETE FROM passwordless_codes WHERE code_id = ?", [codeId]);
      return changes === 1;
    },

    deleteDevices(tenantId, contact) {
      const [column, value] = contactColumn(contact);
      return driver.transaction(async (tx) => {
        await tx.run(
          `DELETE FROM passwordless_codes WHERE pre_auth_session_id IN (SELECT pre_auth_session_id FROM passwordless_devices WHERE tenant_id = ? AND ${column} = ?)`,
          [tenantId, value],
        );
        const { changes } = await tx.run(`DELETE FROM passwordless_devices WHERE tenant_id = ? AND ${column} = ?`, [tenantId, value]);
        return changes;
      });
    },

    deleteExpired(beforeMs) {
      return driver.transaction(async (tx) => {
        const stale = "SELECT pre_auth_session_id FROM passwordless_devices d WHERE NOT EXISTS (SELECT 1 FROM passwordless_codes c WHERE c.pre_auth_session_id = d.pre_auth_session_id AND c.expires_at > ?)";
        await tx.run(`DELETE FROM passwordless_codes WHERE pre_auth_session_id IN (${stale})`, [beforeMs]);
        const { changes } = await tx.run(`DELETE FROM passwordless_devices WHERE pre_auth_session_id IN (${stale})`, [beforeMs]);
        return changes;
      });
    },

    async createUser(row) {
      // A taken email or phone number is an answer, not an error; two racing sign-ups for one
      // contact cannot both insert.
      const { changes } = await driver.run(`INSERT INTO passwordless_users (${USER_COLUMNS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, [
        row.userId,
        row.tenantId,
        row.email,
        row.phoneNumber,
        row.timeJoined,
      ]);
      return changes === 1;
    },

    async getUserById(userId) {
      const record = await driver.get<UserRecord>(`SELECT ${USER_COLUMNS} FROM passwordless_users WHERE user_id = ?`, [userId]);
      return record === undefined ? null : toUser(record);
    },

    async getUserByContact(tenantId, contact) {
      const [column, value] = contactColumn(contact);
      const record = await driver.get<UserRecord>(`SELECT ${USER_COLUMNS} FROM passwordless_users WHERE tenant_id = ? AND ${column} = ?`, [tenantId, value]);
      return record === undefined ? null : toUser(record);
    },

    async updateUser(userId, changes) {
      const sets: string[] = [];
      const params: SqlParam[] = [];
      if (changes.email !== undefined) {
        sets.push("email = ?");
        params.push(changes.email);
      }
      if (changes.phoneNumber !== undefined) {
        sets.push("phone_number = ?");
        params.push(changes.phoneNumber);
      }
      if (sets.length === 0) {
        const exists = await driver.get<{ user_id: string }>("SELECT user_id FROM passwordless_users WHERE user_id = ?", [userId]);
        return exists ? "OK" : "UNKNOWN_USER";
      }
      try {
        const { changes: updated } = await driver.run(`UPDATE passwordless_users SET ${sets.join(", ")} WHERE user_id = ?`, [...params, userId]);
        return updated === 1 ? "OK" : "UNKNOWN_USER";
      } catch (error) {
        // The unique constraints decide, not a prior SELECT: no race between check and write.
        const violated = uniqueViolation(error);
        if (violated === "email") return "EMAIL_ALREADY_EXISTS";
        if (violated === "phone") return "PHONE_NUMBER_ALREADY_EXISTS";
        throw error;
      }
    },
  };
}

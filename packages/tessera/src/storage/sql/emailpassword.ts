/** The emailpassword store over any {@link SqlDriver}: parameterised statements only. */
import type { EmailPasswordStore, EmailPasswordUserRow } from "../../core/storage.js";
import { toNumber, type SqlDriver } from "./driver.js";

interface UserRecord {
  user_id: string;
  tenant_id: string;
  email: string;
  password_hash: string;
  time_joined: unknown;
}

const USER_COLUMNS = "user_id, tenant_id, email, password_hash, time_joined";

function toRow(record: UserRecord): EmailPasswordUserRow {
  return {
    userId: record.user_id,
    tenantId: record.tenant_id,
    email: record.email,
    passwordHash: record.password_hash,
    timeJoined: toNumber(record.time_joined),
  };
}

/** A unique-constraint violation: SQLite's extended code, or PostgreSQL's SQLSTATE 23505. */
function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; typeof e === "object" && e !== null; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "23505") return true;
  }
  return false;
}

export function createSqlEmailPasswordStore(driver: SqlDriver): EmailPasswordStore {
  const getUserById = async (userId: string) => {
    const record = await driver.get<UserRecord>(`SELECT ${USER_COLUMNS} FROM emailpassword_users WHERE user_id = ?`, [userId]);
    return record === undefined ? null : toRow(record);
  };

  return {
    async createUser(row) {
      // ON CONFLICT DO NOTHING: a taken (tenant, email) is an answer, not an error, and two
      // racing sign-ups for one address cannot both insert.
      const { changes } = await driver.run(
        `INSERT INTO emailpassword_users (${USER_COLUMNS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        [row.userId, row.tenantId, row.email, row.passwordHash, row.timeJoined],
      );
      return changes === 1;
    },

    async getUserByEmail(tenantId, email) {
      const record = await driver.get<UserRecord>(`SELECT ${USER_COLUMNS} FROM emailpassword_users WHERE tenant_id = ? AND email = ?`, [tenantId, email]);
      return record === undefined ? null : toRow(record);
    },

    getUserById,

    async updateUser(userId, changes) {
      const email = changes.email ?? null;
      const passwordHash = changes.passwordHash ?? null;
      if (email === null && passwordHash === null) return (await getUserById(userId)) ? "OK" : "UNKNOWN_USER";
      try {
        const { changes: updated } = await driver.run(
          "UPDATE emailpassword_users SET email = COALESCE(?, email), password_hash = COALESCE(?, password_hash) WHERE user_id = ?",
          [email, passwordHash, userId],
        );
        return updated === 1 ? "OK" : "UNKNOWN_USER";
      } catch (error) {
        // The unique constraint, not a prior SELECT, decides: no race between check and write.
        if (isUniqueViolation(error)) return "EMAIL_ALREADY_EXISTS";
        throw error;
      }
    },

    async createResetToken(row) {
      await driver.run("INSERT INTO emailpassword_reset_tokens (token_hash, user_id, email, expires_at) VALUES (?, ?, ?, ?)", [
        row.tokenHash,
        row.userId,
        row.email,
        row.expiresAt,
      ]);
    },

    consumeResetToken(tokenHash, nowMs) {
      return driver.transaction(async (tx) => {
        // DELETE ... RETURNING inside one transaction: of two concurrent uses, one gets the row.
        const token = await tx.get<{ user_id: string; email: string; expires_at: unknown }>(
          "DELETE FROM emailpassword_reset_tokens WHERE token_hash = ? RETURNING user_id, email, expires_at",
          [tokenHash],
        );
        // Expired tokens of anyone are swept on the way, so unused ones do not pile up.
        await tx.run("DELETE FROM emailpassword_reset_tokens WHERE expires_at <= ?", [nowMs]);
        if (token === undefined) return null;
        await tx.run("DELETE FROM emailpassword_reset_tokens WHERE user_id = ?", [token.user_id]);
        // A token is valid strictly before its expiry time.
        return nowMs < toNumber(token.expires_at) ? { userId: token.user_id, email: token.email } : null;
      });
    },
  };
}

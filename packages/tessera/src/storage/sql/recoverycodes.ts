/** The recovery-code store over any {@link SqlDriver}: parameterised statements only. */
import type { RecoveryCodeRow, RecoveryCodeStore } from "../../core/storage.js";
import { toNumber, toNumberOrNull, type SqlDriver } from "./driver.js";

interface CodeRecord {
  code_id: string;
  user_id: string;
  code_hash: string;
  created_at: unknown;
  used_at: unknown;
}

function toRow(record: CodeRecord): RecoveryCodeRow {
  return {
    userId: record.user_id,
    codeId: record.code_id,
    codeHash: record.code_hash,
    createdAt: toNumber(record.created_at),
    usedAt: toNumberOrNull(record.used_at),
  };
}

export function createSqlRecoveryCodeStore(driver: SqlDriver): RecoveryCodeStore {
  return {
    replaceCodes(userId, codes, atMs) {
      // One transaction: a reader sees the old set or the new one, never both or neither.
      return driver.transaction(async (tx) => {
        await tx.run("DELETE FROM recovery_codes WHERE user_id = ?", [userId]);
        for (const code of codes) {
          await tx.run("INSERT INTO recovery_codes (code_id, user_id, code_hash, created_at, used_at) VALUES (?, ?, ?, ?, NULL)", [
            code.codeId,
            userId,
            code.codeHash,
            atMs,
          ]);
        }
      });
    },

    async listUnused(userId) {
      const records = await driver.all<CodeRecord>(
        "SELECT code_id, user_id, code_hash, created_at, used_at FROM recovery_codes WHERE user_id = ? AND used_at IS NULL ORDER BY created_at, code_id",
        [userId],
      );
      return records.map(toRow);
    },

    async markUsed(userId, codeId, codeHash, atMs) {
      // Compare-and-set in one statement: only a still-unused code of this user with this hash
      // changes, so of racing uses of one code exactly one succeeds.
      const { changes } = await driver.run(
        "UPDATE recovery_codes SET used_at = ? WHERE code_id = ? AND user_id = ? AND code_hash = ? AND used_at IS NULL",
        [atMs, codeId, userId, codeHash],
      );
      return changes === 1;
    },

    async countUnused(userId) {
      const row = await driver.get<{ n: unknown }>("SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = ? AND used_at IS NULL", [userId]);
      return row === undefined ? 0 : toNumber(row.n);
    },

    async deleteCodes(userId) {
      const { changes } = await driver.run("DELETE FROM recovery_codes WHERE user_id = ?", [userId]);
      return changes;
    },
  };
}

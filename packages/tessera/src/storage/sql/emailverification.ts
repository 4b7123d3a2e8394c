/** The email verification store over any {@link SqlDriver}: parameterised statements only. */
import type { EmailVerificationStore } from "../../core/storage.js";
import { toNumber, type SqlDriver } from "./driver.js";

export function createSqlEmailVerificationStore(driver: SqlDriver): EmailVerificationStore {
  return {
    async createToken(row) {
      await driver.run("INSERT INTO emailverification_tokens (token_hash, user_id, email, tenant_id, expires_at) VALUES (?, ?, ?, ?, ?)", [
        row.tokenHash,
        row.userId,
        row.email,
        row.tenantId,
        row.expiresAt,
      ]);
    },

    consumeToken(tokenHash, nowMs) {
      return driver.transaction(async (tx) => {
        // DELETE ... RETURNING inside one transaction: of two concurrent uses, one gets the row.
        const token = await tx.get<{ user_id: string; email: string; tenant_id: string; expires_at: unknown }>(
          "DELETE FROM emailverification_tokens WHERE token_hash = ? RETURNING user_id, email, tenant_id, expires_at",
          [tokenHash],
        );
        await tx.run("DELETE FROM emailverification_tokens WHERE expires_at <= ?", [nowMs]);
        if (token === undefined) return null;
        // Once an address is verified, every other link sent for it is moot.
        await tx.run("DELETE FROM emailverification_tokens WHERE user_id = ? AND email = ?", [token.user_id, token.email]);
        // A token is valid strictly before its expiry time.
        return nowMs < toNumber(token.expires_at) ? { userId: token.user_id, email: token.email, tenantId: token.tenant_id } : null;
      });
    },

    async revokeTokens(userId, email, tenantId) {
      const { changes } = await driver.run("DELETE FROM emailverification_tokens WHERE user_id = ? AND email = ? AND tenant_id = ?", [userId, email, tenantId]);
      return changes;
    },

    async markVerified(userId, email, atMs) {
      const { changes } = await driver.run(
        "INSERT INTO emailverification_verified (user_id, email, verified_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        [userId, email, atMs],
      );
      return changes === 1;
    },

    async isVerified(userId, email) {
      return (await driver.get("SELECT 1 AS found FROM emailverification_verified WHERE user_id = ? AND email = ?", [userId, email])) !== undefined;
    },

    async unmarkVerified(userId, email) {
      const { changes } = await driver.run("DELETE FROM emailverification_verified WHERE user_id = ? AND email = ?", [userId, email]);
      return changes > 0;
    },
  };
}

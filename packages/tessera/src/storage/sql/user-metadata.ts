/** User metadata over any {@link SqlDriver}: one JSON object per user. */
import type { UserStore } from "../../core/storage.js";
import type { SqlDriver } from "./driver.js";

export function createSqlUserStore(driver: SqlDriver): UserStore {
  const read = async (userId: string): Promise<Record<string, unknown>> => {
    const row = await driver.get<{ metadata: string }>("SELECT metadata FROM user_metadata WHERE user_id = ?", [userId]);
    return row ? (JSON.parse(row.metadata) as Record<string, unknown>) : {};
  };
  return {
    getMetadata: read,
    updateMetadata: (userId, update) =>
      driver.transaction(async (tx) => {
        // Lock the user's row first (creating it if needed): two concurrent updates then queue up
        // instead of both reading the old value and one overwriting the other (PostgreSQL READ COMMITTED).
        await tx.run(
          "INSERT INTO user_metadata (user_id, metadata) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET metadata = user_metadata.metadata",
          [userId, "{}"],
        );
        const row = await tx.get<{ metadata: string }>("SELECT metadata FROM user_metadata WHERE user_id = ?", [userId]);
        const merged: Record<string, unknown> = row ? (JSON.parse(row.metadata) as Record<string, unknown>) : {};
        for (const [key, value] of Object.entries(update)) {
          if (value === null) delete merged[key];
          else if (value !== undefined) merged[key] = value;
        }
        await tx.run(
          "INSERT INTO user_metadata (user_id, metadata) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET metadata = excluded.metadata",
          [userId, JSON.stringify(merged)],
        );
        return merged;
      }),
  };
}

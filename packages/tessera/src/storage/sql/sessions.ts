/** The session store over any {@link SqlDriver}: parameterised statements only. */
import type { RefreshUpdate, SessionExpiryRule, SessionRow, SessionStore } from "../../core/storage.js";
import { toNumber, toNumberOrNull, type SqlDriver, type SqlParam } from "./driver.js";

interface SessionRecord {
  handle: string;
  user_id: string;
  recipe_user_id: string;
  tenant_id: string;
  refresh_hash2: string;
  prev_refresh_hash2: string | null;
  promoted_at: unknown;
  access_token_payload: string;
  session_data: string;
  created_at: unknown;
  expires_at: unknown;
}

const COLUMNS =
  "handle, user_id, recipe_user_id, tenant_id, refresh_hash2, prev_refresh_hash2, promoted_at, " +
  "access_token_payload, session_data, created_at, expires_at";

/**
 * The refresh compare-and-set that also judges expiry and returns the row (SQLite ≥ 3.35 and
 * PostgreSQL both have RETURNING). "Not expired" is `expires_at > now`, and with an absolute
 * lifetime also `created_at + lifetime > now`: the session recipe's `isExpired`, negated.
 */
const REFRESH_IF_LIVE =
  "UPDATE sessions SET refresh_hash2 = ?, prev_refresh_hash2 = ?, promoted_at = ?, expires_at = ? " +
  `WHERE handle = ? AND refresh_hash2 = ? AND expires_at > ? RETURNING ${COLUMNS}`;
/** The same with an absolute lifetime: the new expiry is the earlier of the sliding one and the cap. */
const REFRESH_IF_LIVE_CAPPED =
  "UPDATE sessions SET refresh_hash2 = ?, prev_refresh_hash2 = ?, promoted_at = ?, " +
  "expires_at = CASE WHEN created_at + ? < ? THEN created_at + ? ELSE ? END " +
  `WHERE handle = ? AND refresh_hash2 = ? AND expires_at > ? AND created_at + ? > ? RETURNING ${COLUMNS}`;

function refreshIfLiveStatement(handle: string, expected: string, update: RefreshUpdate, expiry: SessionExpiryRule): [string, SqlParam[]] {
  const set = [update.refreshHash2, update.prevRefreshHash2, update.promotedAt];
  const lifetime = expiry.maxLifetimeMs;
  if (lifetime === undefined) return [REFRESH_IF_LIVE, [...set, update.expiresAt, handle, expected, expiry.nowMs]];
  return [
    REFRESH_IF_LIVE_CAPPED,
    [...set, lifetime, update.expiresAt, lifetime, update.expiresAt, handle, expected, expiry.nowMs, lifetime, expiry.nowMs],
  ];
}

/**
 * Handles per DELETE statement. Each batch is padded to a power of two (repeating a handle is
 * harmless in `IN (...)`), so only a handful of distinct statement texts are ever prepared.
 */
const DELETE_BATCH = 128;

function toRow(record: SessionRecord): SessionRow {
  return {
    handle: record.handle,
    userId: record.user_id,
    recipeUserId: record.recipe_user_id,
    tenantId: record.tenant_id,
    refreshHash2: record.refresh_hash2,
    prevRefreshHash2: record.prev_refresh_hash2,
    promotedAt: toNumberOrNull(record.promoted_at),
    accessTokenPayload: JSON.parse(record.access_token_payload) as Record<string, unknown>,
    sessionData: JSON.parse(record.session_data) as Record<string, unknown>,
    createdAt: toNumber(record.created_at),
    expiresAt: toNumber(record.expires_at),
  };
}

function padToPowerOfTwo(handles: string[]): string[] {
  let size = 1;
  while (size < handles.length) size *= 2;
  const last = handles[handles.length - 1] as string;
  return [...handles, ...Array<string>(size - handles.length).fill(last)];
}

export function createSqlSessionStore(driver: SqlDriver): SessionStore {
  return {
    async create(row) {
      await driver.run(
        `INSERT INTO sessions (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          row.handle,
          row.userId,
          row.recipeUserId,
          row.tenantId,
          row.refreshHash2,
          row.prevRefreshHash2,
          row.promotedAt,
          JSON.stringify(row.accessTokenPayload),
          JSON.stringify(row.sessionData),
          row.createdAt,
          row.expiresAt,
        ],
      );
    },

    async get(handle) {
      const record = await driver.get<SessionRecord>(
        `SELECT ${COLUMNS} FROM sessions WHERE handle = ?`,
        [handle],
      );
      return record === undefined ? null : toRow(record);
    },

    async updateRefresh(handle, expectedRefreshHash2, update: RefreshUpdate) {
      // Compare-and-set: the WHERE clause re-checks the hash the caller read, so of two
      // concurrent refreshes (in this process or another) only one can match.
      const { changes } = await driver.run(
        "UPDATE sessions SET refresh_hash2 = ?, prev_refresh_hash2 = ?, promoted_at = ?, expires_at = ? " +
          "WHERE handle = ? AND refresh_hash2 = ?",
        [
          update.refreshHash2,
          update.prevRefreshHash2,
          update.promotedAt,
          update.expiresAt,
          handle,
          expectedRefreshHash2,
        ],
      );
      return changes === 1;
    },

    async updateRefreshIfLive(handle, expectedRefreshHash2, update, expiry) {
      // One statement checks and writes, so no concurrent change can slip in between a read and
      // the write; as in updateRefresh, of racing calls that change the hash only the first matches.
      const [sql, params] = refreshIfLiveStatement(handle, expectedRefreshHash2, update, expiry);
      const record = await driver.get<SessionRecord>(sql, params);
      return record === undefined ? null : toRow(record);
    },

    async updatePayload(handle, accessTokenPayload) {
      const { changes } = await driver.run(
        "UPDATE sessions SET access_token_payload = ? WHERE handle = ?",
        [JSON.stringify(accessTokenPayload), handle],
      );
      return changes === 1;
    },

    async updateData(handle, sessionData) {
      const { changes } = await driver.run("UPDATE sessions SET session_data = ? WHERE handle = ?", [
        JSON.stringify(sessionData),
        handle,
      ]);
      return changes === 1;
    },

    async delete(handles) {
      const unique = [...new Set(handles)];
      const deleted: string[] = [];
      for (let start = 0; start < unique.length; start += DELETE_BATCH) {
        const batch = padToPowerOfTwo(unique.slice(start, start + DELETE_BATCH));
        const placeholders = batch.map(() => "?").join(", ");
        const rows = await driver.all<{ handle: string }>(
          `DELETE FROM sessions WHERE handle IN (${placeholders}) RETURNING handle`,
          batch,
        );
        for (const row of rows) deleted.push(row.handle);
      }
      return deleted;
    },

    async listHandlesForUser(userId, tenantId) {
      const rows =
        tenantId === undefined
          ? await driver.all<{ handle: string }>(
              "SELECT handle FROM sessions WHERE user_id = ? ORDER BY created_at, handle",
              [userId],
            )
          : await driver.all<{ handle: string }>(
              "SELECT handle FROM sessions WHERE user_id = ? AND tenant_id = ? ORDER BY created_at, handle",
              [userId, tenantId],
            );
      return rows.map((row) => row.handle);
    },

    async deleteExpired(nowMs) {
      // Strictly before: a session whose expiresAt equals now is still kept (see SessionStore).
      const { changes } = await driver.run("DELETE FROM sessions WHERE expires_at < ?", [nowMs]);
      return changes;
    },
  };
}

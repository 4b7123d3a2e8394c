/**
 * Conformance suite for {@link SessionStore.updateRefreshIfLive}, the refresh compare-and-set that
 * also judges expiry and returns the row (the rest of the session store is in storage-suite.ts).
 * Written once against the Storage port and run by every adapter; `open()` must return a storage
 * on an empty, migrated database each time.
 */
import { describe, expect, it } from "vitest";
import type { RefreshUpdate, SessionRow, SessionStore, Storage } from "../../src/core/storage.js";
import { freshStorageEachTest } from "./fresh-storage.js";
import { sessionRow } from "./storage-suite.js";

const NOW = 1_700_000_000_000;
const MINUTE = 60_000;
const INJECTIONS = ["'); DROP TABLE sessions;--", "' OR '1'='1", "hash-a' OR refresh_hash2 <> '"];

/** A live session in the grace window after a promotion, with something in every column. */
const liveRow = (overrides: Partial<SessionRow> = {}): SessionRow =>
  sessionRow({
    prevRefreshHash2: "hash-previous",
    promotedAt: NOW - MINUTE,
    accessTokenPayload: { role: "admin", nested: { list: [1, null] } },
    sessionData: { note: "kept" },
    createdAt: NOW - 10 * MINUTE,
    expiresAt: NOW + MINUTE,
    ...overrides,
  });

/** What the session recipe writes for the committed token: same hash, grace over, expiry slid. */
const settled = (expiresAt: number, refreshHash2 = "hash-a"): RefreshUpdate => ({ refreshHash2, prevRefreshHash2: null, promotedAt: null, expiresAt });
const noLifetime = { nowMs: NOW, maxLifetimeMs: undefined };

export function describeSessionsStoreSuite(name: string, open: () => Promise<Storage>, cleanup?: (s: Storage) => Promise<void>): void {
  describe(`sessions store conformance (updateRefreshIfLive): ${name}`, () => {
    let sessions: SessionStore;
    freshStorageEachTest(open, cleanup, (opened) => (sessions = opened.sessions));

    it("applies the update when the hash matches and the session is live, and returns every field of the updated row", async () => {
      const row = liveRow();
      const other = liveRow();
      await sessions.create(row);
      await sessions.create(other);
      const update = settled(NOW + 30 * MINUTE);
      const expected = { ...row, ...update };
      expect(await sessions.updateRefreshIfLive(row.handle, "hash-a", update, noLifetime)).toEqual(expected);
      expect(await sessions.get(row.handle)).toEqual(expected);
      expect(await sessions.get(other.handle)).toEqual(other);
    });

    it("sets a new hash, previous hash and promotion time when asked to", async () => {
      const row = liveRow({ prevRefreshHash2: null, promotedAt: null });
      await sessions.create(row);
      const update = { refreshHash2: "hash-b", prevRefreshHash2: "hash-a", promotedAt: NOW, expiresAt: NOW + 5 * MINUTE };
      expect(await sessions.updateRefreshIfLive(row.handle, "hash-a", update, noLifetime)).toEqual({ ...row, ...update });
      expect(await sessions.updateRefreshIfLive(row.handle, "hash-a", settled(NOW + 9 * MINUTE), noLifetime)).toBeNull();
      expect(await sessions.get(row.handle)).toEqual({ ...row, ...update });
    });

    it("returns null and changes nothing when the stored hash is another one", async () => {
      const row = liveRow();
      await sessions.create(row);
      for (const hash of ["hash-previous", "hash-b", "", ...INJECTIONS]) {
        expect(await sessions.updateRefreshIfLive(row.handle, hash, settled(NOW + 30 * MINUTE, hash), noLifetime)).toBeNull();
      }
      expect(await sessions.get(row.handle)).toEqual(row);
    });

    it("returns null and changes nothing for an unknown handle", async () => {
      const row = liveRow();
      await sessions.create(row);
      for (const handle of ["no-such-handle", ...INJECTIONS]) {
        expect(await sessions.updateRefreshIfLive(handle, "hash-a", settled(NOW + 30 * MINUTE), noLifetime)).toBeNull();
      }
      expect(await sessions.get(row.handle)).toEqual(row);
      expect(await sessions.get("no-such-handle")).toBeNull();
    });

    it("treats a session whose expiresAt is now as expired and one expiring 1 ms later as live", async () => {
      const atNow = liveRow({ expiresAt: NOW });
      const later = liveRow({ expiresAt: NOW + 1 });
      const before = liveRow({ expiresAt: NOW - MINUTE });
      for (const row of [atNow, later, before]) await sessions.create(row);
      // With and without an absolute lifetime (far off here): the expiry is judged either way.
      for (const rule of [noLifetime, { nowMs: NOW, maxLifetimeMs: 24 * 60 * MINUTE }]) {
        expect(await sessions.updateRefreshIfLive(atNow.handle, "hash-a", settled(NOW + 30 * MINUTE), rule)).toBeNull();
        expect(await sessions.updateRefreshIfLive(before.handle, "hash-a", settled(NOW + 30 * MINUTE), rule)).toBeNull();
      }
      expect(await sessions.get(atNow.handle)).toEqual(atNow);
      expect(await sessions.get(before.handle)).toEqual(before);
      expect(await sessions.updateRefreshIfLive(later.handle, "hash-a", settled(NOW + 30 * MINUTE), noLifetime)).toMatchObject({ expiresAt: NOW + 30 * MINUTE });
    });

    it("treats a session past its absolute lifetime as expired, however far its sliding expiry is", async () => {
      const createdAt = NOW - 60 * MINUTE;
      const atLimit = liveRow({ createdAt, expiresAt: NOW + 60 * MINUTE });
      const justInside = liveRow({ createdAt: createdAt + 1, expiresAt: NOW + 60 * MINUTE });
      for (const row of [atLimit, justInside]) await sessions.create(row);
      const rule = { nowMs: NOW, maxLifetimeMs: 60 * MINUTE };
      expect(await sessions.updateRefreshIfLive(atLimit.handle, "hash-a", settled(NOW + 30 * MINUTE), rule)).toBeNull();
      expect(await sessions.get(atLimit.handle)).toEqual(atLimit);
      // Live for 1 ms more: applied, with the expiry capped at the end of its lifetime.
      expect(await sessions.updateRefreshIfLive(justInside.handle, "hash-a", settled(NOW + 30 * MINUTE), rule)).toMatchObject({ expiresAt: NOW + 1 });
      // Without a lifetime the same row is live.
      expect(await sessions.updateRefreshIfLive(atLimit.handle, "hash-a", settled(NOW + 30 * MINUTE), noLifetime)).toMatchObject({ expiresAt: NOW + 30 * MINUTE });
    });

    it("stores the earlier of the sliding expiry and the end of the absolute lifetime", async () => {
      const createdAt = NOW - 60 * MINUTE;
      const rule = { nowMs: NOW, maxLifetimeMs: 80 * MINUTE };
      // The lifetime ends at NOW + 20 min: a 30 min slide is capped there, a 10 min one is not, 20 min is both.
      for (const [slide, stored] of [[30, 20], [10, 10], [20, 20]] as const) {
        const row = liveRow({ createdAt });
        await sessions.create(row);
        const applied = await sessions.updateRefreshIfLive(row.handle, "hash-a", settled(NOW + slide * MINUTE), rule);
        expect(applied).toEqual({ ...row, ...settled(NOW + stored * MINUTE) });
        expect(await sessions.get(row.handle)).toEqual(applied);
      }
    });

    it("lets exactly one of two concurrent calls with the same expected hash win when they set different hashes", async () => {
      const row = liveRow();
      await sessions.create(row);
      const update = (hash: string) => ({ refreshHash2: hash, prevRefreshHash2: "hash-a", promotedAt: NOW, expiresAt: NOW + 30 * MINUTE });
      const results = await Promise.all([
        sessions.updateRefreshIfLive(row.handle, "hash-a", update("hash-left"), noLifetime),
        sessions.updateRefreshIfLive(row.handle, "hash-a", update("hash-right"), noLifetime),
      ]);
      const winners = results.filter((result) => result !== null);
      expect(winners).toHaveLength(1);
      const winner = results[0] === null ? "hash-right" : "hash-left";
      expect(winners[0]).toEqual({ ...row, ...update(winner) });
      expect(await sessions.get(row.handle)).toEqual({ ...row, ...update(winner) });
    });

    it("applies both of two concurrent calls that keep the hash (the committed token refreshed twice at once)", async () => {
      const row = liveRow();
      await sessions.create(row);
      const results = await Promise.all([
        sessions.updateRefreshIfLive(row.handle, "hash-a", settled(NOW + 30 * MINUTE), noLifetime),
        sessions.updateRefreshIfLive(row.handle, "hash-a", settled(NOW + 31 * MINUTE), noLifetime),
      ]);
      expect(results.map((result) => result?.refreshHash2)).toEqual(["hash-a", "hash-a"]);
      expect([NOW + 30 * MINUTE, NOW + 31 * MINUTE]).toContain((await sessions.get(row.handle))?.expiresAt);
    });
  });
}

/**
 * Compare-and-set writes under real parallelism: two storages, each with its own pool (as two app
 * instances would have), race on one database. Issue 5.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionRow, SigningKeyRow, Storage } from "../../src/core/storage.js";
import { openPostgresStorage } from "../../src/storage/postgres/index.js";
import { createTestDatabase, describeSkippedForPostgres, postgresAvailable, type TestDatabase } from "./helpers.js";

const NOW = 1_700_000_000_000;
const ROUNDS = 25;

function session(handle: string): SessionRow {
  return {
    handle,
    userId: "u",
    recipeUserId: "u",
    tenantId: "public",
    refreshHash2: "hash-0",
    prevRefreshHash2: null,
    promotedAt: null,
    accessTokenPayload: {},
    sessionData: {},
    createdAt: NOW,
    expiresAt: NOW + 60_000,
  };
}

function key(period: number): SigningKeyRow {
  return {
    kid: `d-${randomUUID()}`,
    kind: "dynamic",
    algorithm: "RS256",
    period,
    publicKey: "{}",
    privateKey: "sealed",
    createdAt: NOW,
    retireAt: NOW + 1,
  };
}

if (await postgresAvailable()) {
  describe("PostgreSQL storage: two pools racing on one database", () => {
    let database: TestDatabase;
    let a: Storage;
    let b: Storage;
    /** Four contenders per round, two on each pool, all issued before any answers. */
    const race = <T>(call: (storage: Storage, contender: number) => Promise<T>): Promise<T[]> =>
      Promise.all([a, b, a, b].map((storage, contender) => call(storage, contender)));

    beforeAll(async () => {
      database = await createTestDatabase();
      a = openPostgresStorage(database.url, { poolSize: 4 });
      b = openPostgresStorage(database.url, { poolSize: 4 });
      // Both migrate at once: the advisory lock lets one apply the schema and the other find it done.
      await Promise.all([a.ready(), b.ready()]);
      // Warm both pools so the races below run on open connections, not on connection setup.
      await Promise.all([...Array(8)].map((_, i) => (i % 2 ? a : b).sessions.get("warm-up")));
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await database?.drop();
    });

    it("lets exactly one of four refresh compare-and-sets win, round after round", async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const handle = `s-${round}`;
        await a.sessions.create(session(handle));
        const results = await race((storage, contender) =>
          storage.sessions.updateRefresh(handle, "hash-0", {
            refreshHash2: `hash-${contender + 1}`,
            prevRefreshHash2: "hash-0",
            promotedAt: NOW,
            expiresAt: NOW + 1,
          }),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect((await b.sessions.get(handle))?.refreshHash2).toBe(`hash-${winner + 1}`);
      }
    });

    it("lets exactly one of four one-statement refreshes win, round after round", async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const handle = `live-${round}`;
        await a.sessions.create(session(handle));
        const results = await race((storage, contender) =>
          storage.sessions.updateRefreshIfLive(
            handle,
            "hash-0",
            { refreshHash2: `hash-${contender + 1}`, prevRefreshHash2: "hash-0", promotedAt: NOW, expiresAt: NOW + 1 },
            { nowMs: NOW, maxLifetimeMs: 120_000 },
          ),
        );
        const winners = results.filter((row) => row !== null);
        expect(winners).toHaveLength(1);
        expect((await b.sessions.get(handle))?.refreshHash2).toBe(winners[0]?.refreshHash2);
      }
    });

    it("lets exactly one of four uses of one TOTP step succeed, round after round", async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const userId = `totp-${round}`;
        // The first use for a user is an insert, later ones are updates: race both kinds.
        const first = await race((storage) => storage.totp.useStep(userId, 1000));
        expect(first.filter(Boolean)).toHaveLength(1);
        const next = await race((storage) => storage.totp.useStep(userId, 1001));
        expect(next.filter(Boolean)).toHaveLength(1);
      }
    });

    it("stores one signing key when both pools insert the same period at once", async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const period = 5_000 + round;
        const results = await race(() => (round % 2 ? a : b).keys.insert(key(period)));
        expect(results.filter(Boolean)).toHaveLength(1);
      }
      const periods = (await a.keys.list()).map((row) => row.period);
      expect(new Set(periods).size).toBe(periods.length);
      expect(periods).toHaveLength(ROUNDS);
    });

    it("hands every instance the same secret when they create it at once", async () => {
      const values = await race((storage, contender) => storage.keys.putSecretIfAbsent("shared-mac", `value-${contender}`));
      expect(new Set(values).size).toBe(1);
    });

    it("counts TOTP attempts recorded through both pools", async () => {
      await race((storage, contender) => storage.totp.recordAttempt("counted", false, NOW + contender));
      await race((storage, contender) => storage.totp.recordAttempt("counted", false, NOW + 10 + contender));
      expect(await a.totp.latestAttempts("counted", 100)).toHaveLength(8);
      expect(await b.totp.latestAttempts("counted", 100)).toHaveLength(8);
    });

    it("keeps both of two metadata updates made at once through different pools", async () => {
      for (let round = 0; round < 10; round++) {
        const userId = `meta-${round}`;
        await race((storage, contender) => storage.users.updateMetadata(userId, { [`field${contender}`]: contender }));
        expect(await a.users.getMetadata(userId)).toEqual({ field0: 0, field1: 1, field2: 2, field3: 3 });
      }
    });
  });
} else {
  describeSkippedForPostgres("PostgreSQL storage: two pools racing on one database");
}

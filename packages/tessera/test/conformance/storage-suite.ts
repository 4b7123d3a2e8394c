/**
 * The storage conformance suite, written once against the {@link Storage} port and run by every
 * adapter (SQLite now, PostgreSQL later) without change.
 *
 * `open()` must return a storage on an empty, migrated database each time it is called (a fresh
 * `:memory:` database, a new file, a new schema); `cleanup` runs after the storage is closed and
 * removes whatever `open()` created. The SQL adapters also run {@link describeSqlDriverSuite}.
 */
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/core/errors.js";
import type { SessionRow, SigningKeyRow, Storage } from "../../src/core/storage.js";
import type { SqlDriver } from "../../src/storage/sql/driver.js";
import { LATEST_VERSION, MIGRATIONS, migrate } from "../../src/storage/sql/migrations.js";
import { createSqlStorage } from "../../src/storage/sql/storage.js";

const NOW = 1_700_000_000_000;
const INJECTIONS = ["'); DROP TABLE sessions;--", "%27%3B--", "' OR '1'='1", '"; DELETE FROM signing_keys; --'];

/** A new session row (committed hash `hash-a`, expiring a minute after NOW); the session store suites share it. */
export function sessionRow(overrides: Partial<SessionRow> = {}): SessionRow {
  return {
    handle: randomUUID(),
    userId: "user-1",
    recipeUserId: "recipe-user-1",
    tenantId: "public",
    refreshHash2: "hash-a",
    prevRefreshHash2: null,
    promotedAt: null,
    accessTokenPayload: {},
    sessionData: {},
    createdAt: NOW,
    expiresAt: NOW + 60_000,
    ...overrides,
  };
}

function keyRow(overrides: Partial<SigningKeyRow> = {}): SigningKeyRow {
  return {
    kid: randomUUID(),
    kind: "dynamic",
    algorithm: "RS256",
    period: 1,
    publicKey: '{"kty":"RSA","n":"abc","e":"AQAB"}',
    privateKey: "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
    createdAt: NOW,
    retireAt: NOW + 86_400_000,
    ...overrides,
  };
}

const byKid = (a: SigningKeyRow, b: SigningKeyRow): number => (a.kid < b.kid ? -1 : 1);

export function describeStorageSuite(
  name: string,
  open: () => Promise<Storage>,
  cleanup?: (s: Storage) => Promise<void>,
): void {
  describe(`storage conformance: ${name}`, () => {
    let storage: Storage;
    beforeEach(async () => {
      storage = await open();
      await storage.ready();
    });
    afterEach(async () => {
      await storage.close();
      await cleanup?.(storage);
    });

    describe("sessions", () => {
      it("returns every field of a created session unchanged", async () => {
        const row = sessionRow({
          prevRefreshHash2: "hash-previous",
          promotedAt: NOW - 5,
          accessTokenPayload: {
            sub: "user-1",
            "st-perm": { v: ["read", "write"], t: NOW },
            nested: { deeper: { none: null, list: [1, "two", null, { three: 3 }] } },
            float: 1.25,
            negative: -42,
            flag: false,
            text: "naïve ✓ 日本",
          },
          sessionData: { nothing: null, count: 0, empty: {}, emptyList: [] },
        });
        await storage.sessions.create(row);
        expect(await storage.sessions.get(row.handle)).toEqual(row);
      });

      it("keeps a null previous hash and promotion time as null", async () => {
        const row = sessionRow();
        await storage.sessions.create(row);
        const read = await storage.sessions.get(row.handle);
        expect(read?.prevRefreshHash2).toBeNull();
        expect(read?.promotedAt).toBeNull();
        expect(typeof read?.createdAt).toBe("number");
        expect(typeof read?.expiresAt).toBe("number");
      });

      it("returns null for an unknown handle", async () => {
        await storage.sessions.create(sessionRow());
        expect(await storage.sessions.get("no-such-handle")).toBeNull();
      });

      it("applies a refresh compare-and-set once and refuses a second one with the stale hash", async () => {
        const row = sessionRow({ refreshHash2: "hash-a" });
        await storage.sessions.create(row);
        const first = { refreshHash2: "hash-b", prevRefreshHash2: "hash-a", promotedAt: NOW + 1, expiresAt: NOW + 90_000 };
        expect(await storage.sessions.updateRefresh(row.handle, "hash-a", first)).toBe(true);
        const stale = { refreshHash2: "hash-c", prevRefreshHash2: "hash-a", promotedAt: NOW + 2, expiresAt: NOW + 99_000 };
        expect(await storage.sessions.updateRefresh(row.handle, "hash-a", stale)).toBe(false);
        expect(await storage.sessions.get(row.handle)).toEqual({ ...row, ...first });
      });

      it("lets exactly one of two concurrent compare-and-sets win", async () => {
        const row = sessionRow({ refreshHash2: "hash-a" });
        await storage.sessions.create(row);
        const update = (hash: string) => ({ refreshHash2: hash, prevRefreshHash2: "hash-a", promotedAt: NOW, expiresAt: NOW + 1 });
        const results = await Promise.all([
          storage.sessions.updateRefresh(row.handle, "hash-a", update("hash-left")),
          storage.sessions.updateRefresh(row.handle, "hash-a", update("hash-right")),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results[0] === true ? "hash-left" : "hash-right";
        expect((await storage.sessions.get(row.handle))?.refreshHash2).toBe(winner);
      });

      it("refuses a refresh compare-and-set on an unknown handle", async () => {
        const update = { refreshHash2: "b", prevRefreshHash2: null, promotedAt: null, expiresAt: NOW };
        expect(await storage.sessions.updateRefresh("no-such-handle", "hash-a", update)).toBe(false);
      });

      it("replaces the access-token payload and leaves the session data alone", async () => {
        const row = sessionRow({ accessTokenPayload: { a: 1 }, sessionData: { keep: true } });
        await storage.sessions.create(row);
        expect(await storage.sessions.updatePayload(row.handle, { b: { c: null } })).toBe(true);
        const read = await storage.sessions.get(row.handle);
        expect(read?.accessTokenPayload).toEqual({ b: { c: null } });
        expect(read?.sessionData).toEqual({ keep: true });
        expect(await storage.sessions.updatePayload("no-such-handle", { b: 2 })).toBe(false);
      });

      it("replaces the session data and leaves the access-token payload alone", async () => {
        const row = sessionRow({ accessTokenPayload: { keep: "yes" }, sessionData: { a: 1 } });
        await storage.sessions.create(row);
        expect(await storage.sessions.updateData(row.handle, { cart: [1, 2] })).toBe(true);
        const read = await storage.sessions.get(row.handle);
        expect(read?.sessionData).toEqual({ cart: [1, 2] });
        expect(read?.accessTokenPayload).toEqual({ keep: "yes" });
        expect(await storage.sessions.updateData("no-such-handle", { a: 2 })).toBe(false);
      });

      it("deletes the given sessions and returns only the handles that existed", async () => {
        const [a, b, kept] = [sessionRow(), sessionRow(), sessionRow()];
        for (const row of [a, b, kept]) await storage.sessions.create(row);
        const deleted = await storage.sessions.delete([a.handle, "missing", b.handle, a.handle]);
        expect([...deleted].sort()).toEqual([a.handle, b.handle].sort());
        expect(await storage.sessions.get(a.handle)).toBeNull();
        expect(await storage.sessions.get(b.handle)).toBeNull();
        expect(await storage.sessions.get(kept.handle)).not.toBeNull();
        expect(await storage.sessions.delete([a.handle])).toEqual([]);
        expect(await storage.sessions.delete([])).toEqual([]);
      });

      it("deletes more sessions at once than fit in one statement batch", async () => {
        const rows = Array.from({ length: 300 }, () => sessionRow({ userId: "bulk" }));
        for (const row of rows) await storage.sessions.create(row);
        const deleted = await storage.sessions.delete([...rows.map((r) => r.handle), "x", "y"]);
        expect(deleted).toHaveLength(300);
        expect(await storage.sessions.listHandlesForUser("bulk")).toEqual([]);
      });

      it("lists a user's handles across all tenants or within one tenant", async () => {
        const inPublic = sessionRow({ userId: "u", tenantId: "public" });
        const inOther = sessionRow({ userId: "u", tenantId: "other" });
        const someoneElse = sessionRow({ userId: "v", tenantId: "public" });
        for (const row of [inPublic, inOther, someoneElse]) await storage.sessions.create(row);
        expect([...(await storage.sessions.listHandlesForUser("u"))].sort()).toEqual([inPublic.handle, inOther.handle].sort());
        expect(await storage.sessions.listHandlesForUser("u", "public")).toEqual([inPublic.handle]);
        expect(await storage.sessions.listHandlesForUser("u", "nowhere")).toEqual([]);
        expect(await storage.sessions.listHandlesForUser("nobody")).toEqual([]);
      });

      it("lists expired sessions until they are swept", async () => {
        const expired = sessionRow({ userId: "u", expiresAt: NOW - 1 });
        await storage.sessions.create(expired);
        expect(await storage.sessions.listHandlesForUser("u")).toEqual([expired.handle]);
      });

      it("sweeps sessions that expired before now and keeps one expiring exactly now", async () => {
        const before = sessionRow({ expiresAt: NOW - 1 });
        const atNow = sessionRow({ expiresAt: NOW });
        const after = sessionRow({ expiresAt: NOW + 1 });
        for (const row of [before, atNow, after]) await storage.sessions.create(row);
        expect(await storage.sessions.deleteExpired(NOW)).toBe(1);
        expect(await storage.sessions.get(before.handle)).toBeNull();
        expect(await storage.sessions.get(atNow.handle)).not.toBeNull();
        expect(await storage.sessions.get(after.handle)).not.toBeNull();
        expect(await storage.sessions.deleteExpired(NOW)).toBe(0);
      });
    });

    describe("keys", () => {
      it("lists every inserted key with every field unchanged", async () => {
        const keys = [keyRow({ period: 1 }), keyRow({ period: 2, createdAt: NOW + 1 }), keyRow({ kind: "static", period: 0, algorithm: "ES256" })];
        for (const key of keys) expect(await storage.keys.insert(key)).toBe(true);
        expect([...(await storage.keys.list())].sort(byKid)).toEqual([...keys].sort(byKid));
      });

      it("refuses a second key of the same kind and period and keeps the first", async () => {
        const first = keyRow({ kind: "dynamic", period: 7, publicKey: "first" });
        expect(await storage.keys.insert(first)).toBe(true);
        expect(await storage.keys.insert(keyRow({ kind: "dynamic", period: 7, publicKey: "second" }))).toBe(false);
        expect(await storage.keys.list()).toEqual([first]);
        expect(await storage.keys.insert(keyRow({ kind: "static", period: 7 }))).toBe(true);
      });

      it("deletes keys retired before now and keeps one retiring exactly now", async () => {
        const retired = keyRow({ period: 1, retireAt: NOW - 1 });
        const atNow = keyRow({ period: 2, retireAt: NOW });
        const live = keyRow({ period: 3, retireAt: NOW + 1 });
        for (const key of [retired, atNow, live]) await storage.keys.insert(key);
        expect(await storage.keys.deleteRetired(NOW)).toBe(1);
        expect([...(await storage.keys.list())].sort(byKid)).toEqual([atNow, live].sort(byKid));
      });

      it("returns null for a secret that was never stored", async () => {
        expect(await storage.keys.getSecret("refresh-mac")).toBeNull();
      });

      it("keeps the first value of a secret when it is put twice", async () => {
        expect(await storage.keys.putSecretIfAbsent("refresh-mac", "first")).toBe("first");
        expect(await storage.keys.putSecretIfAbsent("refresh-mac", "second")).toBe("first");
        expect(await storage.keys.getSecret("refresh-mac")).toBe("first");
      });

      it("hands every concurrent caller the same stored secret", async () => {
        const values = await Promise.all(["a", "b", "c"].map((v) => storage.keys.putSecretIfAbsent("shared", v)));
        expect(new Set(values).size).toBe(1);
        expect(await storage.keys.getSecret("shared")).toBe(values[0]);
      });
    });

    describe("injection-shaped values", () => {
      it("stores injection-shaped strings verbatim in every session column", async () => {
        for (const [i, value] of INJECTIONS.entries()) {
          const row = sessionRow({
            handle: `${value}-${i}`,
            userId: value,
            recipeUserId: value,
            tenantId: value,
            refreshHash2: value,
            prevRefreshHash2: value,
            accessTokenPayload: { [value]: value },
            sessionData: { nested: [value] },
          });
          await storage.sessions.create(row);
          expect(await storage.sessions.get(row.handle)).toEqual(row);
          expect(await storage.sessions.listHandlesForUser(value, value)).toEqual([row.handle]);
        }
      });

      it("matches injection-shaped arguments literally and touches no other rows", async () => {
        const control = sessionRow({ userId: "control" });
        await storage.sessions.create(control);
        await storage.keys.insert(keyRow());
        for (const value of INJECTIONS) {
          expect(await storage.sessions.get(value)).toBeNull();
          expect(await storage.sessions.delete([value])).toEqual([]);
          expect(await storage.sessions.listHandlesForUser(value)).toEqual([]);
          expect(await storage.sessions.updatePayload(value, { x: 1 })).toBe(false);
          const update = { refreshHash2: value, prevRefreshHash2: null, promotedAt: null, expiresAt: NOW };
          expect(await storage.sessions.updateRefresh(control.handle, value, update)).toBe(false);
          expect(await storage.keys.putSecretIfAbsent(value, value)).toBe(value);
        }
        expect(await storage.sessions.get(control.handle)).toEqual(control);
        expect(await storage.sessions.listHandlesForUser("control")).toEqual([control.handle]);
        expect(await storage.keys.list()).toHaveLength(1);
        for (const value of INJECTIONS) expect(await storage.keys.getSecret(value)).toBe(value);
      });
    });
  });
}

/**
 * Driver-level conformance for the SQL adapters: migrations and transactions. `openDriver()`
 * must return a driver on an empty, *unmigrated* database each time.
 */
export function describeSqlDriverSuite(
  name: string,
  openDriver: () => Promise<SqlDriver>,
  cleanup?: (driver: SqlDriver) => Promise<void>,
): void {
  describe(`SQL driver conformance: ${name}`, () => {
    let driver: SqlDriver;
    beforeEach(async () => {
      driver = await openDriver();
    });
    afterEach(async () => {
      await driver.close();
      await cleanup?.(driver);
    });
    const secretNames = async (d: SqlDriver): Promise<string[]> =>
      (await d.all<{ name: string }>("SELECT name FROM secrets ORDER BY name")).map((r) => r.name);
    const insertSecret = (d: SqlDriver, secretName: string) =>
      d.run("INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?)", [secretName, "v", NOW]);

    it("applies every migration once and applies nothing the second time", async () => {
      expect(await migrate(driver)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await migrate(driver)).toEqual([]);
      const rows = await driver.all<{ version: unknown }>("SELECT version FROM tessera_migrations ORDER BY version");
      expect(rows.map((r) => Number(r.version))).toEqual(MIGRATIONS.map((m) => m.version));
    });

    it("applies the schema once when two migrations race", async () => {
      const results = await Promise.all([migrate(driver), migrate(driver)]);
      expect(results.flat()).toEqual(MIGRATIONS.map((m) => m.version));
    });

    it("reports a storage over an unmigrated database as not ready until migrated", async () => {
      const storage = createSqlStorage(driver);
      await expect(storage.ready()).rejects.toBeInstanceOf(ConfigError);
      await migrate(driver);
      await expect(storage.ready()).resolves.toBeUndefined();
      expect(LATEST_VERSION).toBe(Math.max(...MIGRATIONS.map((m) => m.version)));
    });

    it("commits a transaction and returns what its function returned", async () => {
      await migrate(driver);
      const result = await driver.transaction(async (tx) => {
        await insertSecret(tx, "a");
        return (await tx.get<{ value: string }>("SELECT value FROM secrets WHERE name = ?", ["a"]))?.value;
      });
      expect(result).toBe("v");
      expect(await secretNames(driver)).toEqual(["a"]);
    });

    it("rolls back a transaction whose function throws and rethrows the error", async () => {
      await migrate(driver);
      const failure = new Error("boom");
      await expect(
        driver.transaction(async (tx) => {
          await insertSecret(tx, "a");
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await secretNames(driver)).toEqual([]);
    });

    it("keeps a write made outside an open transaction when that transaction rolls back", async () => {
      await migrate(driver);
      let started!: () => void;
      const hasStarted = new Promise<void>((resolve) => (started = resolve));
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const transaction = driver.transaction(async (tx) => {
        await insertSecret(tx, "inside");
        started();
        await gate;
        throw new Error("rolled back");
      });
      await hasStarted;
      const outsideWrite = insertSecret(driver, "outside");
      release();
      await expect(transaction).rejects.toThrow("rolled back");
      await expect(outsideWrite).resolves.toEqual({ changes: 1 });
      expect(await secretNames(driver)).toEqual(["outside"]);
    });

    it("refuses to nest a transaction inside another", async () => {
      await migrate(driver);
      await expect(driver.transaction((tx) => tx.transaction(async () => 1))).rejects.toBeInstanceOf(Error);
    });
  });
}

/** What the PostgreSQL adapter adds to the shared SQL storage: lazy pool, pool size, timeouts, types. */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStorage } from "../../src/index.js";
import { BadInputError, ConfigError, StorageUnavailableError } from "../../src/core/errors.js";
import { MIGRATIONS } from "../../src/storage/sql/migrations.js";
import { openPostgresDriver, openPostgresStorage } from "../../src/storage/postgres/index.js";
import { createTestDatabase, describeSkippedForPostgres, postgresAvailable, type TestDatabase } from "./helpers.js";

describe("openPostgresStorage configuration", () => {
  it("refuses a bad pool size or timeout at once, before connecting", () => {
    expect(() => openStorage("postgres://127.0.0.1/app?pool=0")).toThrow(ConfigError);
    expect(() => openPostgresStorage("postgres://127.0.0.1/app", { poolSize: 1.5 })).toThrow(ConfigError);
    expect(() => openPostgresStorage("postgres://127.0.0.1/app", { statementTimeoutMs: -1 })).toThrow(ConfigError);
  });

  it("reports an unreachable server as StorageUnavailableError, not as a crash at init", async () => {
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    const storage = openStorage("postgresql://postgres@127.0.0.1:1/app");
    await expect(storage.ready()).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(storage.sessions.get("x")).rejects.toBeInstanceOf(StorageUnavailableError);
    await storage.close();
  });
});

if (await postgresAvailable()) {
  describe("PostgreSQL adapter", () => {
    let database: TestDatabase;
    const connections = async (): Promise<number> => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const { rows } = await client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'tessera'",
        [database.name],
      );
      await client.end();
      return rows[0]?.n ?? 0;
    };

    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(async () => {
      await database?.drop();
    });

    it("is opened by a postgres:// URL without connecting, and connects and migrates on first use", async () => {
      const storage = openStorage(database.url);
      expect(await connections()).toBe(0);
      expect(await storage.sessions.get("nothing")).toBeNull();
      expect(await connections()).toBeGreaterThan(0);
      await storage.ready();
      await storage.close();
      expect(await connections()).toBe(0);
    });

    it("never opens more connections than the pool size from ?pool=", async () => {
      const schema = await database.createSchema();
      const driver = openPostgresDriver(`${schema.url}&pool=2`);
      await Promise.all([...Array(6)].map(() => driver.get("SELECT pg_sleep(0.1)")));
      expect(await connections()).toBe(2);
      await driver.close();
    });

    it("applies the schema once when two pools migrate the same database at once", async () => {
      const schema = await database.createSchema();
      const storages = [openPostgresStorage(schema.url), openPostgresStorage(schema.url), openPostgresStorage(schema.url)];
      await Promise.all(storages.map((s) => s.ready()));
      const driver = openPostgresDriver(schema.url);
      const rows = await driver.all<{ version: number }>("SELECT version FROM tessera_migrations ORDER BY version");
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      await driver.close();
      for (const storage of storages) await storage.close();
    });

    it("reads BIGINT as a number while it is a safe integer", async () => {
      const driver = openPostgresDriver(database.url);
      expect(await driver.get("SELECT ?::bigint AS n, 9007199254740993::bigint AS big", [Number.MAX_SAFE_INTEGER])).toEqual({
        n: Number.MAX_SAFE_INTEGER,
        big: "9007199254740993",
      });
      await driver.close();
    });

    it("cancels a statement that runs past the statement timeout with StorageUnavailableError", async () => {
      const driver = openPostgresDriver(database.url, { statementTimeoutMs: 200 });
      const started = performance.now();
      await expect(driver.get("SELECT pg_sleep(5)")).rejects.toBeInstanceOf(StorageUnavailableError);
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(await driver.get("SELECT 1 AS one")).toEqual({ one: 1 });
      await driver.close();
    });

    it("passes SQL errors through unchanged and keeps the pool usable", async () => {
      const driver = openPostgresDriver(database.url, { poolSize: 1 });
      await expect(driver.get("SELECT * FROM no_such_table")).rejects.toMatchObject({ code: "42P01" });
      await expect(driver.transaction((tx) => tx.get("SELECT * FROM no_such_table"))).rejects.toMatchObject({ code: "42P01" });
      expect(await driver.transaction((tx) => tx.get("SELECT 2 AS two"))).toEqual({ two: 2 });
      await driver.close();
    });

    // Found by a new-user trial: a NUL byte in a TOTP device name or an email-exists query reached
    // PostgreSQL (which cannot store it; SQLite can) and answered 500 with the raw error.
    it("turns text PostgreSQL cannot store (a NUL byte) into BadInputError, a 400, and keeps the pool usable", async () => {
      const schema = await database.createSchema();
      const storage = openPostgresStorage(schema.url, { poolSize: 1 });
      await expect(storage.emailPassword.getUserByEmail("public", "a\u0000b@example.com")).rejects.toBeInstanceOf(BadInputError);
      await expect(storage.totp.listDevices("user\u0000")).rejects.toMatchObject({ status: 400, message: "The input contains a character that cannot be stored" });
      expect(await storage.emailPassword.getUserByEmail("public", "ab@example.com")).toBeNull();
      await storage.close();
    });

    it("rejects calls after close instead of reconnecting", async () => {
      const storage = openPostgresStorage(database.url);
      await storage.ready();
      await storage.close();
      await expect(storage.sessions.get("x")).rejects.toThrow(/closed/);
    });
  });
} else {
  describeSkippedForPostgres("PostgreSQL adapter");
}

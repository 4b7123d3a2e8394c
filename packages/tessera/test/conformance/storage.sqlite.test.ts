import { randomUUID } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { StorageUnavailableError } from "../../src/core/errors.js";
import type { SessionRow, Storage } from "../../src/core/storage.js";
import type { SqlDriver } from "../../src/storage/sql/driver.js";
import { MIGRATIONS, migrate } from "../../src/storage/sql/migrations.js";
import { openSqliteDriver, openSqliteStorage } from "../../src/storage/sqlite/index.js";
import { describeSqlDriverSuite, describeStorageSuite } from "./storage-suite.js";

/** A database path in a directory that does not exist yet, under the OS temp dir. */
function temporaryPath(): string {
  return join(tmpdir(), `tessera-test-${randomUUID()}`, "nested", "tessera.db");
}

function removeDatabase(path: string): void {
  rmSync(dirname(dirname(path)), { recursive: true, force: true });
}

const storagePaths = new Map<Storage, string>();
const driverPaths = new Map<SqlDriver, string>();

describeStorageSuite(":memory:", async () => openSqliteStorage(":memory:"));
describeStorageSuite(
  "temp file",
  async () => {
    const path = temporaryPath();
    const storage = openSqliteStorage(path);
    storagePaths.set(storage, path);
    return storage;
  },
  async (storage) => {
    removeDatabase(storagePaths.get(storage) as string);
    storagePaths.delete(storage);
  },
);

describeSqlDriverSuite(":memory:", async () => openSqliteDriver(":memory:"));
describeSqlDriverSuite(
  "temp file",
  async () => {
    const path = temporaryPath();
    const driver = openSqliteDriver(path);
    driverPaths.set(driver, path);
    return driver;
  },
  async (driver) => {
    removeDatabase(driverPaths.get(driver) as string);
    driverPaths.delete(driver);
  },
);

describe("openSqliteStorage", () => {
  const opened: { close(): Promise<void> }[] = [];
  const paths: string[] = [];
  afterEach(async () => {
    for (const handle of opened.splice(0)) await handle.close();
    for (const path of paths.splice(0)) removeDatabase(path);
  });
  function track<T extends { close(): Promise<void> }>(handle: T): T {
    opened.push(handle);
    return handle;
  }
  function newPath(): string {
    const path = temporaryPath();
    paths.push(path);
    return path;
  }
  const session = (handle: string): SessionRow => ({
    handle,
    userId: "u",
    recipeUserId: "u",
    tenantId: "public",
    refreshHash2: "hash-a",
    prevRefreshHash2: null,
    promotedAt: null,
    accessTokenPayload: { a: 1 },
    sessionData: {},
    createdAt: 1,
    expiresAt: 2,
  });

  it("creates the missing parent directory of a new database file", async () => {
    const path = newPath();
    expect(existsSync(dirname(path))).toBe(false);
    await track(openSqliteStorage(path)).ready();
    expect(existsSync(path)).toBe(true);
  });

  it("opens the same file again with its data and without re-applying migrations", async () => {
    const path = newPath();
    const first = openSqliteStorage(path);
    await first.sessions.create(session("kept"));
    await first.close();
    const second = track(openSqliteStorage(path));
    await second.ready();
    expect((await second.sessions.get("kept"))?.accessTokenPayload).toEqual({ a: 1 });
    const driver = track(openSqliteDriver(path));
    expect(await migrate(driver)).toEqual([]);
    const rows = await driver.all<{ version: number }>("SELECT version FROM tessera_migrations ORDER BY version");
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it("lets exactly one of two connections to one file win a compare-and-set, with or without the expiry check", async () => {
    const path = newPath();
    const left = track(openSqliteStorage(path));
    const right = track(openSqliteStorage(path));
    await left.sessions.create(session("shared"));
    const update = (hash: string) => ({ refreshHash2: hash, prevRefreshHash2: "hash-a", promotedAt: 3, expiresAt: 4 });
    const results = await Promise.all([
      left.sessions.updateRefresh("shared", "hash-a", update("left")),
      right.sessions.updateRefresh("shared", "hash-a", update("right")),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const live = { nowMs: 1, maxLifetimeMs: undefined };
    const settled = await Promise.all([
      left.sessions.updateRefreshIfLive("shared", "left", update("left-2"), live),
      right.sessions.updateRefreshIfLive("shared", "left", update("right-2"), live),
      left.sessions.updateRefreshIfLive("shared", "right", update("left-3"), live),
      right.sessions.updateRefreshIfLive("shared", "right", update("right-3"), live),
    ]);
    expect(settled.filter((row) => row !== null)).toHaveLength(1);
  });

  it("sets WAL journal mode, normal sync, a busy timeout, foreign keys and a 4 MiB page cache on a file", async () => {
    const driver = track(openSqliteDriver(newPath()));
    expect(await driver.get("PRAGMA journal_mode")).toEqual({ journal_mode: "wal" });
    expect(await driver.get("PRAGMA synchronous")).toEqual({ synchronous: 1 });
    expect(await driver.get("PRAGMA busy_timeout")).toEqual({ timeout: 5000 });
    expect(await driver.get("PRAGMA foreign_keys")).toEqual({ foreign_keys: 1 });
    // better-sqlite3's own build default is 16 MiB (-16000), which a large session table fills.
    expect(await driver.get("PRAGMA cache_size")).toEqual({ cache_size: -4000 });
  });

  it("reports a database locked by another writer as StorageUnavailableError", async () => {
    const path = newPath();
    const holder = track(openSqliteDriver(path));
    const blocked = track(openSqliteDriver(path));
    await migrate(holder);
    await blocked.run("PRAGMA busy_timeout = 20");
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const hasStarted = new Promise<void>((resolve) => (started = resolve));
    const transaction = holder.transaction(async (tx) => {
      await tx.run("INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?)", ["a", "b", 1]);
      started();
      await gate;
    });
    await hasStarted;
    const write = blocked.run("INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?)", ["c", "d", 1]);
    await expect(write).rejects.toBeInstanceOf(StorageUnavailableError);
    release();
    await transaction;
  });

  it("makes a second transaction wait until the first has committed", async () => {
    const driver = track(openSqliteDriver(":memory:"));
    await migrate(driver);
    await driver.run("INSERT INTO secrets (name, value, created_at) VALUES (?, ?, ?)", ["counter", "0", 1]);
    const increment = () =>
      driver.transaction(async (tx) => {
        const row = await tx.get<{ value: string }>("SELECT value FROM secrets WHERE name = ?", ["counter"]);
        await new Promise<void>((resolve) => setImmediate(resolve));
        await tx.run("UPDATE secrets SET value = ? WHERE name = ?", [String(Number(row?.value) + 1), "counter"]);
      });
    await Promise.all([increment(), increment(), increment()]);
    expect(await driver.get("SELECT value FROM secrets WHERE name = ?", ["counter"])).toEqual({ value: "3" });
  });

  it("rejects calls through a transaction's driver after the transaction has ended", async () => {
    const driver = track(openSqliteDriver(":memory:"));
    let leaked: SqlDriver | undefined;
    await driver.transaction(async (tx) => {
      leaked = tx;
    });
    await expect(leaked?.get("SELECT 1")).rejects.toBeInstanceOf(Error);
  });
});

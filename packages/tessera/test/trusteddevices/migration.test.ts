/**
 * Migration 10 (trusted devices) was written while migration 9 (passwordless) was being written
 * elsewhere: a database may have received 10 before 9 existed. The runner applies whatever is
 * missing, in version order, so such a database gets 9 on the next `migrate` and ends complete.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { SqlDriver } from "../../src/storage/sql/driver.js";
import { MIGRATIONS, MIGRATIONS_TABLE_SQL, migrate, pendingMigrations, RECORD_APPLIED_SQL } from "../../src/storage/sql/migrations.js";
import { createSqlStorage } from "../../src/storage/sql/storage.js";
import { TRUSTED_DEVICES_MIGRATION } from "../../src/storage/sql/schema/trusteddevices.js";
import { openSqliteDriver } from "../../src/storage/sqlite/index.js";

describe("migration 10: trusted devices", () => {
  let driver: SqlDriver | undefined;
  afterEach(async () => {
    await driver?.close();
    driver = undefined;
  });

  it("is version 10, once, and no two migrations share a version", () => {
    expect(TRUSTED_DEVICES_MIGRATION.version).toBe(10);
    expect(MIGRATIONS.filter((m) => m.version === 10)).toEqual([TRUSTED_DEVICES_MIGRATION]);
    expect(new Set(MIGRATIONS.map((m) => m.version)).size).toBe(MIGRATIONS.length);
  });

  it("a database that has 10 but not an earlier version gets the missing one applied, and is then complete", async () => {
    driver = openSqliteDriver(":memory:");
    const d = driver;
    const skipped = MIGRATIONS.map((m) => m.version).filter((v) => v < 10).pop() as number;
    await d.exec(MIGRATIONS_TABLE_SQL);
    for (const migration of [...MIGRATIONS].sort((a, b) => a.version - b.version)) {
      if (migration.version === skipped) continue;
      await d.exec(migration.sqlite);
      await d.run(RECORD_APPLIED_SQL, [migration.version, migration.name, 0]);
    }
    expect(pendingMigrations((await d.all<{ version: number }>("SELECT version FROM tessera_migrations")).map((r) => r.version)).map((m) => m.version)).toEqual([skipped]);
    expect(await migrate(d)).toEqual([skipped]);
    expect(await migrate(d)).toEqual([]);
    const storage = createSqlStorage(d);
    await expect(storage.ready()).resolves.toBeUndefined();
    await storage.trustedDevices.create({ id: "d", userId: "u", tenantId: "public", tokenHash: "h", label: "l", createdAt: 1, lastUsedAt: 1, expiresAt: 2 });
    expect(await storage.trustedDevices.listForUser("u")).toHaveLength(1);
  });

  it("a fresh database is migrated in version order, 10 included", async () => {
    driver = openSqliteDriver(":memory:");
    const applied = await migrate(driver);
    expect(applied).toEqual([...applied].sort((a, b) => a - b));
    expect(applied).toContain(10);
  });
});

/**
 * Runs a store suite on both SQLite shapes the embedded default takes: `:memory:` and a file in a
 * fresh temporary directory (removed after the suite), so that the WAL and file paths are covered.
 */
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Storage } from "../../src/core/storage.js";
import { openSqliteStorage } from "../../src/storage/sqlite/index.js";

export type StoreSuite = (name: string, open: () => Promise<Storage>, cleanup?: (storage: Storage) => Promise<void>) => void;

export function onSqlite(suite: StoreSuite): void {
  suite("sqlite :memory:", async () => openSqliteStorage(":memory:"));
  const directories = new Map<Storage, string>();
  suite(
    "sqlite temp file",
    async () => {
      const directory = join(tmpdir(), `tessera-store-${randomUUID()}`);
      const storage = openSqliteStorage(join(directory, "tessera.db"));
      directories.set(storage, directory);
      return storage;
    },
    async (storage) => {
      rmSync(directories.get(storage) as string, { recursive: true, force: true });
      directories.delete(storage);
    },
  );
}

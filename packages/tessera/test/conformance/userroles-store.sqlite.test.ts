import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Storage } from "../../src/core/storage.js";
import { openSqliteStorage } from "../../src/storage/sqlite/index.js";
import { describeUserRolesStoreSuite } from "./userroles-store.suite.js";

const directories = new Map<Storage, string>();

describeUserRolesStoreSuite("sqlite :memory:", async () => openSqliteStorage(":memory:"));
describeUserRolesStoreSuite(
  "sqlite temp file",
  async () => {
    const directory = join(tmpdir(), `tessera-roles-${randomUUID()}`);
    const storage = openSqliteStorage(join(directory, "tessera.db"));
    directories.set(storage, directory);
    return storage;
  },
  async (storage) => {
    rmSync(directories.get(storage) as string, { recursive: true, force: true });
    directories.delete(storage);
  },
);

import { afterEach, beforeEach } from "vitest";
import type { Storage } from "../../src/core/storage.js";

/**
 * The hooks every store conformance suite shares: a fresh storage, ready, before each test of the
 * enclosing `describe`, handed to `use`; closed (then `cleanup`, e.g. dropping a schema) after it.
 */
export function freshStorageEachTest(open: () => Promise<Storage>, cleanup: ((storage: Storage) => Promise<void>) | undefined, use: (storage: Storage) => void): void {
  let storage: Storage | undefined;
  beforeEach(async () => {
    storage = await open();
    await storage.ready();
    use(storage);
  });
  afterEach(async () => {
    if (!storage) return;
    await storage.close();
    await cleanup?.(storage);
  });
}

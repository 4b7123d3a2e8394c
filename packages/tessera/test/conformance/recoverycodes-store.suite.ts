/**
 * Conformance suite for {@link RecoveryCodeStore}, written once against the Storage port and run
 * by every adapter. `open()` must return a storage on an empty, migrated database each time.
 */
import { describe, expect, it } from "vitest";
import type { Storage } from "../../src/core/storage.js";
import { freshStorageEachTest } from "./fresh-storage.js";

const NOW = 1_700_000_000_000;
const set = (prefix: string, n = 3) => Array.from({ length: n }, (_, i) => ({ codeId: `${prefix}-${i}`, codeHash: `$argon2id$hash-${prefix}-${i}` }));

export function describeRecoveryCodesStoreSuite(name: string, open: () => Promise<Storage>, cleanup?: (s: Storage) => Promise<void>): void {
  describe(`recovery codes store conformance: ${name}`, () => {
    let storage: Storage;
    freshStorageEachTest(open, cleanup, (opened) => (storage = opened));

    it("lists the user's unused codes with every field, and counts them", async () => {
      await storage.recoveryCodes.replaceCodes("u1", set("a"), NOW);
      await storage.recoveryCodes.replaceCodes("u2", set("b", 2), NOW);
      expect(await storage.recoveryCodes.listUnused("u1")).toEqual(set("a").map((c) => ({ userId: "u1", ...c, createdAt: NOW, usedAt: null })));
      expect(await storage.recoveryCodes.countUnused("u1")).toBe(3);
      expect(await storage.recoveryCodes.countUnused("u2")).toBe(2);
      expect(await storage.recoveryCodes.countUnused("nobody")).toBe(0);
      expect(await storage.recoveryCodes.listUnused("nobody")).toEqual([]);
    });

    it("marks a code used once, only with its own user and hash", async () => {
      await storage.recoveryCodes.replaceCodes("u1", set("a"), NOW);
      expect(await storage.recoveryCodes.markUsed("u2", "a-0", "$argon2id$hash-a-0", NOW)).toBe(false);
      expect(await storage.recoveryCodes.markUsed("u1", "a-0", "$argon2id$hash-a-1", NOW)).toBe(false);
      expect(await storage.recoveryCodes.markUsed("u1", "a-0", "$argon2id$hash-a-0", NOW + 1)).toBe(true);
      expect(await storage.recoveryCodes.markUsed("u1", "a-0", "$argon2id$hash-a-0", NOW + 2)).toBe(false);
      expect((await storage.recoveryCodes.listUnused("u1")).map((c) => c.codeId)).toEqual(["a-1", "a-2"]);
      expect(await storage.recoveryCodes.countUnused("u1")).toBe(2);
    });

    it("lets exactly one of ten racing uses of one code win", async () => {
      await storage.recoveryCodes.replaceCodes("u1", set("a"), NOW);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => storage.recoveryCodes.markUsed("u1", "a-1", "$argon2id$hash-a-1", NOW + i)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await storage.recoveryCodes.countUnused("u1")).toBe(2);
    });

    it("replaces the whole set, used codes included, and a code of the old set can no longer be marked", async () => {
      await storage.recoveryCodes.replaceCodes("u1", set("a"), NOW);
      await storage.recoveryCodes.markUsed("u1", "a-0", "$argon2id$hash-a-0", NOW);
      await storage.recoveryCodes.replaceCodes("u1", set("b", 2), NOW + 5);
      expect((await storage.recoveryCodes.listUnused("u1")).map((c) => c.codeId)).toEqual(["b-0", "b-1"]);
      expect(await storage.recoveryCodes.markUsed("u1", "a-1", "$argon2id$hash-a-1", NOW + 6)).toBe(false);
      expect(await storage.recoveryCodes.deleteCodes("u1")).toBe(2);
      expect(await storage.recoveryCodes.deleteCodes("u1")).toBe(0);
    });

    it("stores injection-shaped ids and hashes literally", async () => {
      const evil = [{ codeId: "'); DROP TABLE recovery_codes;--", codeHash: "' OR '1'='1" }];
      await storage.recoveryCodes.replaceCodes("' OR 1=1 --", evil, NOW);
      expect((await storage.recoveryCodes.listUnused("' OR 1=1 --"))[0]).toMatchObject(evil[0] as object);
      expect(await storage.recoveryCodes.countUnused("u1")).toBe(0);
    });
  });
}

/**
 * Conformance suite for {@link LimitStore} (the shared limiter's counters), written once against
 * the Storage port and run by every adapter. `open()` must return a storage on an empty,
 * migrated database each time.
 */
import { describe, expect, it } from "vitest";
import { evaluate, reserve, secondFactorRule } from "../../src/core/limits.js";
import type { Storage } from "../../src/core/storage.js";
import { freshStorageEachTest } from "./fresh-storage.js";

const NOW = 1_700_000_000_000;
const INJECTIONS = ["'); DROP TABLE limit_counters;--", "' OR '1'='1", "address:signIn:%", "address:signIn:_"];

export function describeLimitsStoreSuite(name: string, open: () => Promise<Storage>, cleanup?: (s: Storage) => Promise<void>): void {
  describe(`limits store conformance: ${name}`, () => {
    let storage: Storage;
    freshStorageEachTest(open, cleanup, (opened) => (storage = opened));

    it("returns null for an unknown key and every field of a written counter unchanged", async () => {
      expect(await storage.limits.get("account:nobody")).toBeNull();
      expect(await storage.limits.put("account:u1", null, { failures: 3, firstAt: NOW, lastAt: NOW + 5 })).toBe(true);
      expect(await storage.limits.get("account:u1")).toEqual({ key: "account:u1", failures: 3, firstAt: NOW, lastAt: NOW + 5, version: 1 });
    });

    it("compare-and-sets on the version: a stale writer and a second creator lose", async () => {
      expect(await storage.limits.put("k", null, { failures: 1, firstAt: NOW, lastAt: NOW })).toBe(true);
      expect(await storage.limits.put("k", null, { failures: 9, firstAt: NOW, lastAt: NOW })).toBe(false);
      expect(await storage.limits.put("k", 1, { failures: 2, firstAt: NOW, lastAt: NOW + 1 })).toBe(true);
      expect(await storage.limits.put("k", 1, { failures: 9, firstAt: NOW, lastAt: NOW + 1 })).toBe(false);
      expect(await storage.limits.get("k")).toMatchObject({ failures: 2, version: 2 });
      expect(await storage.limits.put("missing", 1, { failures: 1, firstAt: NOW, lastAt: NOW })).toBe(false);
      expect(await storage.limits.get("missing")).toBeNull();
    });

    it("lets exactly one of racing creators and of racing updaters win", async () => {
      const creators = await Promise.all(Array.from({ length: 8 }, (_, i) => storage.limits.put("race", null, { failures: i + 1, firstAt: NOW, lastAt: NOW })));
      expect(creators.filter(Boolean)).toHaveLength(1);
      const updaters = await Promise.all(Array.from({ length: 8 }, (_, i) => storage.limits.put("race", 1, { failures: 100 + i, firstAt: NOW, lastAt: NOW })));
      expect(updaters.filter(Boolean)).toHaveLength(1);
      expect((await storage.limits.get("race"))?.version).toBe(2);
    });

    it("grants exactly `max` reservations to a parallel burst, and refuses the rest without counting them", async () => {
      const rule = secondFactorRule(5, 900_000);
      const results = await Promise.all(Array.from({ length: 20 }, () => reserve(storage.limits, [{ key: "second-factor:u1", rule }], NOW)));
      expect(results.filter((r) => r.status === "OK")).toHaveLength(5);
      expect(results.filter((r) => r.status === "LIMITED")).toHaveLength(15);
      expect(results.flatMap((r) => (r.status === "OK" ? r.runs : [])).sort()).toEqual([1, 2, 3, 4, 5]);
      const row = await storage.limits.get("second-factor:u1");
      expect(row?.failures).toBe(5);
      expect(evaluate(row, rule, NOW + 1)).toEqual({ open: false, retryAfterMs: 899_999 });
    });

    it("deletes a counter, and sweeps old ones by prefix only", async () => {
      await storage.limits.put("account:u1", null, { failures: 1, firstAt: NOW - 10, lastAt: NOW - 10 });
      await storage.limits.put("address:signIn:10.0.0.1", null, { failures: 1, firstAt: NOW - 10, lastAt: NOW - 10 });
      await storage.limits.put("address:signIn:10.0.0.2", null, { failures: 1, firstAt: NOW, lastAt: NOW });
      expect(await storage.limits.deleteOlderThan(NOW, "address:")).toBe(1);
      expect(await storage.limits.get("account:u1")).not.toBeNull();
      expect(await storage.limits.get("address:signIn:10.0.0.2")).not.toBeNull();
      expect(await storage.limits.delete("account:u1")).toBe(true);
      expect(await storage.limits.delete("account:u1")).toBe(false);
      expect(await storage.limits.deleteOlderThan(NOW + 1)).toBe(1);
    });

    it("stores injection-shaped keys literally, and a prefix with LIKE wildcards matches only itself", async () => {
      for (const key of INJECTIONS) expect(await storage.limits.put(key, null, { failures: 1, firstAt: NOW - 10, lastAt: NOW - 10 })).toBe(true);
      await storage.limits.put("address:signIn:1.2.3.4", null, { failures: 1, firstAt: NOW - 10, lastAt: NOW - 10 });
      for (const key of INJECTIONS) expect((await storage.limits.get(key))?.key).toBe(key);
      expect(await storage.limits.deleteOlderThan(NOW, "address:signIn:%")).toBe(1);
      expect(await storage.limits.get("address:signIn:1.2.3.4")).not.toBeNull();
    });
  });
}

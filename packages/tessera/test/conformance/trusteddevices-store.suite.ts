/**
 * Conformance suite for {@link TrustedDeviceStore}, written once against the Storage port and run
 * by every adapter. `open()` must return a storage on an empty, migrated database each time.
 */
import { describe, expect, it } from "vitest";
import type { Storage, TrustedDeviceRow } from "../../src/core/storage.js";
import { freshStorageEachTest } from "./fresh-storage.js";

const NOW = 1_700_000_000_000;
const DAY = 86_400_000;

const device = (id: string, over: Partial<TrustedDeviceRow> = {}): TrustedDeviceRow => ({
  id,
  userId: "u1",
  tenantId: "public",
  tokenHash: `hash-${id}`,
  label: `label ${id}`,
  createdAt: NOW,
  lastUsedAt: NOW,
  expiresAt: NOW + 30 * DAY,
  ...over,
});

export function describeTrustedDevicesStoreSuite(name: string, open: () => Promise<Storage>, cleanup?: (s: Storage) => Promise<void>): void {
  describe(`trusted devices store conformance: ${name}`, () => {
    let storage: Storage;
    freshStorageEachTest(open, cleanup, (opened) => (storage = opened));

    it("round-trips every field and answers null for an unknown id", async () => {
      const row = device("d1", { label: "Firefox on Linux — ünïcode", createdAt: NOW - 5, lastUsedAt: NOW - 1 });
      await storage.trustedDevices.create(row);
      expect(await storage.trustedDevices.get("d1")).toEqual(row);
      expect(await storage.trustedDevices.get("nope")).toBeNull();
    });

    it("lists a user's devices oldest first, per tenant or across tenants", async () => {
      await storage.trustedDevices.create(device("b", { createdAt: NOW + 2 }));
      await storage.trustedDevices.create(device("a", { createdAt: NOW + 1 }));
      await storage.trustedDevices.create(device("c", { createdAt: NOW + 3, tenantId: "acme" }));
      await storage.trustedDevices.create(device("z", { userId: "u2" }));
      expect((await storage.trustedDevices.listForUser("u1")).map((d) => d.id)).toEqual(["a", "b", "c"]);
      expect((await storage.trustedDevices.listForUser("u1", "public")).map((d) => d.id)).toEqual(["a", "b"]);
      expect((await storage.trustedDevices.listForUser("u1", "acme")).map((d) => d.id)).toEqual(["c"]);
      expect(await storage.trustedDevices.listForUser("nobody")).toEqual([]);
    });

    it("rotates only with the current hash, before expiry, and records the time of use", async () => {
      await storage.trustedDevices.create(device("d1"));
      expect(await storage.trustedDevices.rotate("d1", "wrong", "next", NOW + 10)).toBe(false);
      expect(await storage.trustedDevices.rotate("other", "hash-d1", "next", NOW + 10)).toBe(false);
      expect(await storage.trustedDevices.rotate("d1", "hash-d1", "next", NOW + 10)).toBe(true);
      expect(await storage.trustedDevices.get("d1")).toMatchObject({ tokenHash: "next", lastUsedAt: NOW + 10, createdAt: NOW, expiresAt: NOW + 30 * DAY });
      // The old hash is spent.
      expect(await storage.trustedDevices.rotate("d1", "hash-d1", "again", NOW + 11)).toBe(false);
      // At the expiry instant the device is no longer valid.
      expect(await storage.trustedDevices.rotate("d1", "next", "late", NOW + 30 * DAY)).toBe(false);
      expect(await storage.trustedDevices.rotate("d1", "next", "in-time", NOW + 30 * DAY - 1)).toBe(true);
    });

    it("lets exactly one of ten racing rotations of one token win", async () => {
      await storage.trustedDevices.create(device("d1"));
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => storage.trustedDevices.rotate("d1", "hash-d1", `next-${i}`, NOW + i)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect((await storage.trustedDevices.get("d1"))?.tokenHash).toBe(`next-${winner}`);
    });

    it("deletes a device only for its own user", async () => {
      await storage.trustedDevices.create(device("d1"));
      expect(await storage.trustedDevices.delete("d1", "u2")).toBe(false);
      expect(await storage.trustedDevices.get("d1")).not.toBeNull();
      expect(await storage.trustedDevices.delete("d1", "u1")).toBe(true);
      expect(await storage.trustedDevices.delete("d1", "u1")).toBe(false);
      expect(await storage.trustedDevices.get("d1")).toBeNull();
    });

    it("deletes every device of a user, per tenant or in all, and no one else's", async () => {
      await storage.trustedDevices.create(device("a"));
      await storage.trustedDevices.create(device("b", { tenantId: "acme" }));
      await storage.trustedDevices.create(device("c"));
      await storage.trustedDevices.create(device("z", { userId: "u2" }));
      expect(await storage.trustedDevices.deleteForUser("u1", "acme")).toBe(1);
      expect((await storage.trustedDevices.listForUser("u1")).map((d) => d.id)).toEqual(["a", "c"]);
      expect(await storage.trustedDevices.deleteForUser("u1")).toBe(2);
      expect(await storage.trustedDevices.deleteForUser("u1")).toBe(0);
      expect((await storage.trustedDevices.listForUser("u2")).map((d) => d.id)).toEqual(["z"]);
    });

    it("sweeps devices expired at or before the given time", async () => {
      await storage.trustedDevices.create(device("old", { expiresAt: NOW - 1 }));
      await storage.trustedDevices.create(device("edge", { expiresAt: NOW }));
      await storage.trustedDevices.create(device("live", { expiresAt: NOW + 1 }));
      expect(await storage.trustedDevices.deleteExpired(NOW)).toBe(2);
      expect((await storage.trustedDevices.listForUser("u1")).map((d) => d.id)).toEqual(["live"]);
    });

    it("stores injection-shaped ids, hashes and labels literally", async () => {
      const evil = device("'); DROP TABLE trusted_devices;--", { userId: "' OR 1=1 --", tokenHash: "' OR '1'='1", label: "<script>'\"" });
      await storage.trustedDevices.create(evil);
      expect(await storage.trustedDevices.get(evil.id)).toEqual(evil);
      expect(await storage.trustedDevices.listForUser("u1")).toEqual([]);
      expect(await storage.trustedDevices.rotate(evil.id, "x' OR '1'='1", "n", NOW)).toBe(false);
    });
  });
}

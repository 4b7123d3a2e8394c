/**
 * Conformance suite for {@link TotpStore}, written once against the Storage port and run by
 * every adapter. `open()` must return a storage on an empty, migrated database each time.
 */
import { describe, expect, it } from "vitest";
import type { Storage, TotpDeviceRow } from "../../src/core/storage.js";
import { freshStorageEachTest } from "./fresh-storage.js";

const NOW = 1_700_000_000_000;
const INJECTIONS = ["'); DROP TABLE totp_devices;--", "' OR '1'='1", '"; DELETE FROM totp_users; --'];

function device(overrides: Partial<TotpDeviceRow> = {}): TotpDeviceRow {
  return {
    userId: "user-1",
    name: "TOTP Device 0",
    secret: "sealed-secret-a",
    period: 30,
    skew: 1,
    verified: false,
    createdAt: NOW,
    ...overrides,
  };
}

export function describeTotpStoreSuite(name: string, open: () => Promise<Storage>, cleanup?: (s: Storage) => Promise<void>): void {
  describe(`totp store conformance: ${name}`, () => {
    let storage: Storage;
    freshStorageEachTest(open, cleanup, (opened) => (storage = opened));

    describe("devices", () => {
      it("returns every field of a created device unchanged", async () => {
        const row = device({ name: "Phone ✓ 日本", period: 60, skew: 2 });
        expect(await storage.totp.createDevice(row)).toBe(true);
        expect(await storage.totp.listDevices("user-1")).toEqual([row]);
      });

      it("lists only the user's devices, oldest first", async () => {
        await storage.totp.createDevice(device({ name: "b", createdAt: NOW + 1 }));
        await storage.totp.createDevice(device({ name: "a", createdAt: NOW + 2 }));
        await storage.totp.createDevice(device({ userId: "user-2", name: "c" }));
        expect((await storage.totp.listDevices("user-1")).map((d) => d.name)).toEqual(["b", "a"]);
        expect(await storage.totp.listDevices("nobody")).toEqual([]);
      });

      it("replaces an unverified device of the same name", async () => {
        await storage.totp.createDevice(device());
        const replacement = device({ secret: "sealed-secret-b", period: 45, skew: 0, createdAt: NOW + 5 });
        expect(await storage.totp.createDevice(replacement)).toBe(true);
        expect(await storage.totp.listDevices("user-1")).toEqual([replacement]);
      });

      it("keeps a verified device of the same name and returns false", async () => {
        const original = device();
        await storage.totp.createDevice(original);
        expect(await storage.totp.markDeviceVerified("user-1", original.name)).toBe(true);
        expect(await storage.totp.createDevice(device({ secret: "sealed-secret-b" }))).toBe(false);
        expect(await storage.totp.listDevices("user-1")).toEqual([{ ...original, verified: true }]);
      });

      it("lets the same device name exist for two users", async () => {
        expect(await storage.totp.createDevice(device())).toBe(true);
        expect(await storage.totp.createDevice(device({ userId: "user-2" }))).toBe(true);
        await storage.totp.markDeviceVerified("user-1", "TOTP Device 0");
        expect((await storage.totp.listDevices("user-2"))[0]?.verified).toBe(false);
      });

      it("marks a device verified only once", async () => {
        await storage.totp.createDevice(device());
        expect(await storage.totp.markDeviceVerified("user-1", "TOTP Device 0")).toBe(true);
        expect(await storage.totp.markDeviceVerified("user-1", "TOTP Device 0")).toBe(false);
        expect(await storage.totp.markDeviceVerified("user-1", "missing")).toBe(false);
      });

      it("lets exactly one of two concurrent verifications report the change", async () => {
        await storage.totp.createDevice(device());
        const results = await Promise.all([
          storage.totp.markDeviceVerified("user-1", "TOTP Device 0"),
          storage.totp.markDeviceVerified("user-1", "TOTP Device 0"),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it("removes a device and says whether it existed", async () => {
        await storage.totp.createDevice(device());
        await storage.totp.createDevice(device({ name: "other" }));
        expect(await storage.totp.removeDevice("user-1", "TOTP Device 0")).toBe(true);
        expect(await storage.totp.removeDevice("user-1", "TOTP Device 0")).toBe(false);
        expect((await storage.totp.listDevices("user-1")).map((d) => d.name)).toEqual(["other"]);
      });

      it("treats hostile names and user ids as plain values", async () => {
        for (const hostile of INJECTIONS) {
          expect(await storage.totp.createDevice(device({ userId: hostile, name: hostile }))).toBe(true);
          expect((await storage.totp.listDevices(hostile))[0]?.name).toBe(hostile);
        }
        await storage.totp.createDevice(device());
        expect(await storage.totp.listDevices("user-1")).toHaveLength(1);
        expect(await storage.totp.useStep(INJECTIONS[0] as string, 5)).toBe(true);
      });
    });

    describe("useStep", () => {
      it("records a later step and refuses the same or an earlier one", async () => {
        expect(await storage.totp.useStep("user-1", 37_037_036)).toBe(true);
        expect(await storage.totp.useStep("user-1", 37_037_036)).toBe(false);
        expect(await storage.totp.useStep("user-1", 37_037_035)).toBe(false);
        expect(await storage.totp.useStep("user-1", 37_037_037)).toBe(true);
        expect(await storage.totp.useStep("user-1", 37_037_036)).toBe(false);
      });

      it("keeps steps per user", async () => {
        expect(await storage.totp.useStep("user-1", 10)).toBe(true);
        expect(await storage.totp.useStep("user-2", 10)).toBe(true);
      });

      it("lets exactly one of two racing uses of one step win", async () => {
        const results = await Promise.all([storage.totp.useStep("user-1", 100), storage.totp.useStep("user-1", 100)]);
        expect(results.filter(Boolean)).toHaveLength(1);
        const many = await Promise.all(Array.from({ length: 8 }, () => storage.totp.useStep("user-1", 101)));
        expect(many.filter(Boolean)).toHaveLength(1);
      });

      it("handles steps beyond 32 bits (a 1 s period far in the future)", async () => {
        expect(await storage.totp.useStep("user-1", 20_000_000_000)).toBe(true);
        expect(await storage.totp.useStep("user-1", 20_000_000_000)).toBe(false);
        expect(await storage.totp.useStep("user-1", 20_000_000_001)).toBe(true);
      });
    });

    describe("attempts", () => {
      it("returns the newest attempts first, at most the limit", async () => {
        await storage.totp.recordAttempt("user-1", false, NOW + 1);
        await storage.totp.recordAttempt("user-1", true, NOW + 3);
        await storage.totp.recordAttempt("user-1", false, NOW + 2);
        await storage.totp.recordAttempt("user-2", false, NOW + 4);
        expect(await storage.totp.latestAttempts("user-1", 5)).toEqual([
          { success: true, at: NOW + 3 },
          { success: false, at: NOW + 2 },
          { success: false, at: NOW + 1 },
        ]);
        expect(await storage.totp.latestAttempts("user-1", 2)).toEqual([
          { success: true, at: NOW + 3 },
          { success: false, at: NOW + 2 },
        ]);
        expect(await storage.totp.latestAttempts("nobody", 5)).toEqual([]);
      });

      it("orders attempts made in the same millisecond by insertion", async () => {
        for (let i = 0; i < 5; i++) await storage.totp.recordAttempt("user-1", false, NOW);
        await storage.totp.recordAttempt("user-1", true, NOW);
        expect((await storage.totp.latestAttempts("user-1", 6)).map((a) => a.success)).toEqual([true, false, false, false, false, false]);
      });
    });
  });
}

/**
 * Conformance suite for {@link PasswordlessStore}, written once against the Storage port and run
 * by every adapter. `open()` must return a storage on an empty, migrated database each time.
 */
import { describe, expect, it } from "vitest";
import type { PasswordlessCodeRow, PasswordlessDeviceRow, PasswordlessUserRow, Storage } from "../../src/core/storage.js";
import { freshStorageEachTest } from "./fresh-storage.js";

const NOW = 1_700_000_000_000;
const LIFETIME = 600_000;

function device(id: string, over: Partial<PasswordlessDeviceRow> = {}): PasswordlessDeviceRow {
  return { preAuthSessionId: `p-${id}`, deviceIdHash: `d-${id}`, tenantId: "public", email: `${id}@example.com`, phoneNumber: null, flowType: "USER_INPUT_CODE", failedAttempts: 0, createdAt: NOW, ...over };
}

function code(deviceId: string, n: number, over: Partial<PasswordlessCodeRow> = {}): PasswordlessCodeRow {
  return { codeId: `c-${deviceId}-${n}`, preAuthSessionId: `p-${deviceId}`, userInputCodeHash: `u-${deviceId}-${n}`, linkCodeHash: `l-${deviceId}-${n}`, createdAt: NOW + n, expiresAt: NOW + n + LIFETIME, ...over };
}

function user(id: string, over: Partial<PasswordlessUserRow> = {}): PasswordlessUserRow {
  return { userId: id, tenantId: "public", email: `${id}@example.com`, phoneNumber: null, timeJoined: NOW, ...over };
}

export function describePasswordlessStoreSuite(name: string, open: () => Promise<Storage>, cleanup?: (s: Storage) => Promise<void>): void {
  describe(`passwordless store conformance: ${name}`, () => {
    let storage: Storage;
    freshStorageEachTest(open, cleanup, (opened) => (storage = opened));

    it("stores a device with its first code and finds it by preAuthSessionId, by deviceId hash and by contact", async () => {
      const pl = storage.passwordless;
      await pl.createDevice(device("a"), code("a", 0));
      await pl.createDevice(device("b", { email: null, phoneNumber: "+16502530000", flowType: "MAGIC_LINK" }), code("b", 0));
      const expected = { device: device("a"), codes: [code("a", 0)] };
      expect(await pl.getDevice({ preAuthSessionId: "p-a" })).toEqual(expected);
      expect(await pl.getDevice({ deviceIdHash: "d-a" })).toEqual(expected);
      expect(await pl.getDevice({ preAuthSessionId: "p-none" })).toBeNull();
      expect(await pl.listDevices("public", { email: "a@example.com" })).toEqual([device("a")]);
      expect(await pl.listDevices("public", { phoneNumber: "+16502530000" })).toEqual([device("b", { email: null, phoneNumber: "+16502530000", flowType: "MAGIC_LINK" })]);
      expect(await pl.listDevices("other", { email: "a@example.com" })).toEqual([]);
    });

    it("adds a code to an existing device only, keeping the count", async () => {
      const pl = storage.passwordless;
      await pl.createDevice(device("a"), code("a", 0));
      expect(await pl.countAttempt("p-a", 5)).toBe(1);
      expect(await pl.addCode(code("a", 1))).toBe(true);
      expect(await pl.addCode(code("gone", 0))).toBe(false);
      const found = await pl.getDevice({ preAuthSessionId: "p-a" });
      expect(found?.codes).toEqual([code("a", 0), code("a", 1)]);
      expect(found?.device.failedAttempts).toBe(1);
      expect(await pl.getDevice({ preAuthSessionId: "p-gone" })).toBeNull();
    });

    it("counts inputs up to the limit and no further, even when they race", async () => {
      const pl = storage.passwordless;
      await pl.createDevice(device("a"), code("a", 0));
      await pl.createDevice(device("b"), code("b", 0));
      expect(await pl.countAttempt("p-a", 2)).toBe(1);
      expect(await pl.countAttempt("p-a", 2)).toBe(2);
      expect(await pl.countAttempt("p-a", 2)).toBeNull();
      expect(await pl.countAttempt("p-none", 2)).toBeNull();
      const raced = await Promise.all(Array.from({ length: 10 }, () => pl.countAttempt("p-b", 5)));
      expect(raced.filter((n) => n !== null).sort()).toEqual([1, 2, 3, 4, 5]);
      expect((await pl.getDevice({ preAuthSessionId: "p-b" }))?.device.failedAttempts).toBe(5);
    });

    it("consumes a device once, only through one of its own codes, and its codes go with it", async () => {
      const pl = storage.passwordless;
      await pl.createDevice(device("a"), code("a", 0));
      await pl.createDevice(device("b"), code("b", 0));
      expect(await pl.consumeCode("p-a", "c-b-0")).toBeNull();
      expect(await pl.consumeCode("p-a", "c-a-0")).toEqual(device("a"));
      expect(await pl.consumeCode("p-a", "c-a-0")).toBeNull();
      expect(await pl.getDevice({ preAuthSessionId: "p-a" })).toBeNull();
      expect(await pl.addCode(code("a", 1))).toBe(false);
      expect(await pl.getDevice({ preAuthSessionId: "p-b" })).not.toBeNull();
    });

    it("lets exactly one of ten racing consumes of one code win", async () => {
      const pl = storage.passwordless;
      await pl.createDevice(device("a"), code("a", 0));
      await pl.addCode(code("a", 1));
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => pl.consumeCode("p-a", `c-a-${i % 2}`)));
      expect(results.filter((r) => r !== null)).toHaveLength(1);
    });

    it("deletes a device, a code, or every device of a contact", async () => {
      const pl = storage.passwordless;
      await pl.createDevice(device("a"), code("a", 0));
      await pl.addCode(code("a", 1));
      await pl.createDevice(device("b", { email: "a@example.com" }), code("b", 0));
      await pl.createDevice(device("c", { email: "a@example.com", tenantId: "acme" }), code("c", 0));
      expect(await pl.deleteCode("c-a-0")).toBe(true);
      expect(await pl.deleteCode("c-a-0")).toBe(false);
      expect((await pl.getDevice({ preAuthSessionId: "p-a" }))?.codes).toEqual([code("a", 1)]);
      expect(await pl.deleteDevices("public", { email: "a@example.com" })).toBe(2);
      expect(await pl.getDevice({ preAuthSessionId: "p-a" })).toBeNull();
      expect(await pl.getDevice({ preAuthSessionId: "p-c" })).not.toBeNull();
      expect(await pl.deleteDevice("p-c")).toBe(true);
      expect(await pl.deleteDevice("p-c")).toBe(false);
    });

    it("sweeps devices none of whose codes is still valid at the given time", async () => {
      const pl = storage.passwordless;
      await pl.createDevice(device("old"), code("old", 0));
      await pl.createDevice(device("mixed"), code("mixed", 0));
      await pl.addCode(code("mixed", 5000));
      const cutoff = NOW + LIFETIME + 10;
      expect(await pl.deleteExpired(NOW + LIFETIME)).toBe(1);
      expect(await pl.getDevice({ preAuthSessionId: "p-old" })).toBeNull();
      expect(await pl.deleteExpired(cutoff)).toBe(0);
      expect((await pl.getDevice({ preAuthSessionId: "p-mixed" }))?.codes).toHaveLength(2);
      expect(await pl.deleteExpired(NOW + 5000 + LIFETIME)).toBe(1);
    });

    it("keeps one user per email and per phone number in a tenant", async () => {
      const pl = storage.passwordless;
      expect(await pl.createUser(user("u1"))).toBe(true);
      expect(await pl.createUser(user("u2", { email: "u1@example.com" }))).toBe(false);
      expect(await pl.createUser(user("u3", { email: "u1@example.com", tenantId: "acme" }))).toBe(true);
      expect(await pl.createUser(user("u4", { email: null, phoneNumber: "+16502530000" }))).toBe(true);
      expect(await pl.createUser(user("u5", { email: null, phoneNumber: "+16502530000" }))).toBe(false);
      expect(await pl.createUser(user("u6", { email: null, phoneNumber: "+442079460958" }))).toBe(true);
      expect(await pl.getUserById("u1")).toEqual(user("u1"));
      expect(await pl.getUserById("u2")).toBeNull();
      expect(await pl.getUserByContact("public", { email: "u1@example.com" })).toEqual(user("u1"));
      expect(await pl.getUserByContact("acme", { email: "u1@example.com" })).toEqual(user("u3", { email: "u1@example.com", tenantId: "acme" }));
      expect((await pl.getUserByContact("public", { phoneNumber: "+16502530000" }))?.userId).toBe("u4");
      expect(await pl.getUserByContact("public", { phoneNumber: "+10000000000" })).toBeNull();
    });

    it("updates a user's email and phone number, refusing taken ones", async () => {
      const pl = storage.passwordless;
      await pl.createUser(user("u1"));
      await pl.createUser(user("u2", { email: null, phoneNumber: "+16502530000" }));
      expect(await pl.updateUser("u1", { phoneNumber: "+16502530000" })).toBe("PHONE_NUMBER_ALREADY_EXISTS");
      expect(await pl.updateUser("u2", { email: "u1@example.com" })).toBe("EMAIL_ALREADY_EXISTS");
      expect(await pl.updateUser("u1", { phoneNumber: "+442079460958" })).toBe("OK");
      expect(await pl.updateUser("u1", { email: null })).toBe("OK");
      expect(await pl.getUserById("u1")).toEqual(user("u1", { email: null, phoneNumber: "+442079460958" }));
      expect(await pl.updateUser("u2", { email: "u1@example.com" })).toBe("OK");
      expect(await pl.updateUser("nobody", { email: "x@example.com" })).toBe("UNKNOWN_USER");
      expect(await pl.updateUser("nobody", {})).toBe("UNKNOWN_USER");
      expect(await pl.updateUser("u1", {})).toBe("OK");
    });

    it("stores injection-shaped values literally", async () => {
      const pl = storage.passwordless;
      const evil = "' OR '1'='1";
      await pl.createDevice(device("x", { preAuthSessionId: evil, email: "'); DROP TABLE passwordless_devices;--" }), code("x", 0, { preAuthSessionId: evil }));
      expect((await pl.getDevice({ preAuthSessionId: evil }))?.device.email).toBe("'); DROP TABLE passwordless_devices;--");
      expect(await pl.getDevice({ preAuthSessionId: "p-a" })).toBeNull();
      expect(await pl.consumeCode("' OR 1=1 --", "' OR 1=1 --")).toBeNull();
      expect(await pl.getUserByContact(evil, { email: evil })).toBeNull();
    });
  });
}

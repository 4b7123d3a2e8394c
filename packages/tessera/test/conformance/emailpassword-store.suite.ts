/**
 * The conformance suite of the {@link EmailPasswordStore} port, written once and run by every
 * storage adapter. `open()` must return a storage on an empty, migrated database each time;
 * `cleanup` runs after the storage is closed.
 *
 * The store compares emails exactly: normalising them is the recipe's job, so the store must
 * neither fold case nor normalise Unicode (a store that did would hide recipe bugs).
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { EmailPasswordUserRow, Storage } from "../../src/core/storage.js";
import { freshStorageEachTest } from "./fresh-storage.js";

const NOW = 1_700_000_000_000;
const INJECTIONS = ["' OR '1'='1'--@example.com", "x' OR 1=1 --", "public'--", "'); DROP TABLE emailpassword_users;--", "%27%3B--", '"; DELETE FROM emailpassword_reset_tokens; --'];

function userRow(overrides: Partial<EmailPasswordUserRow> = {}): EmailPasswordUserRow {
  return { userId: randomUUID(), tenantId: "public", email: `${randomUUID()}@example.com`, passwordHash: "$argon2id$hash-a", timeJoined: NOW, ...overrides };
}

export function describeEmailPasswordStoreSuite(name: string, open: () => Promise<Storage>, cleanup?: (storage: Storage) => Promise<void>): void {
  describe(`EmailPasswordStore conformance (${name})`, () => {
    let storage: Storage;
    freshStorageEachTest(open, cleanup, (opened) => (storage = opened));

    const store = () => storage.emailPassword;
    async function createUser(overrides: Partial<EmailPasswordUserRow> = {}): Promise<EmailPasswordUserRow> {
      const row = userRow(overrides);
      expect(await store().createUser(row)).toBe(true);
      return row;
    }

    describe("users", () => {
      it("returns a created user by id and by tenant and email, with every field intact", async () => {
        const row = await createUser({ email: "alice@example.com", timeJoined: NOW + 1 });
        expect(await store().getUserById(row.userId)).toEqual(row);
        expect(await store().getUserByEmail("public", "alice@example.com")).toEqual(row);
      });

      it("returns null for an unknown id or email", async () => {
        await createUser({ email: "alice@example.com" });
        expect(await store().getUserById(randomUUID())).toBeNull();
        expect(await store().getUserByEmail("public", "bob@example.com")).toBeNull();
      });

      it("refuses a second user with the same email in the same tenant and keeps the first", async () => {
        const first = await createUser({ email: "alice@example.com" });
        expect(await store().createUser(userRow({ email: "alice@example.com", passwordHash: "other" }))).toBe(false);
        expect(await store().getUserByEmail("public", "alice@example.com")).toEqual(first);
      });

      it("accepts the same email in another tenant as another user", async () => {
        const a = await createUser({ email: "alice@example.com", tenantId: "public" });
        const b = await createUser({ email: "alice@example.com", tenantId: "tenant-b" });
        expect((await store().getUserByEmail("public", "alice@example.com"))?.userId).toBe(a.userId);
        expect((await store().getUserByEmail("tenant-b", "alice@example.com"))?.userId).toBe(b.userId);
      });

      it("lets exactly one of two racing sign-ups for one email win", async () => {
        const results = await Promise.all([store().createUser(userRow({ email: "race@example.com" })), store().createUser(userRow({ email: "race@example.com" }))]);
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it("compares emails exactly, with no case folding or Unicode normalisation of its own", async () => {
        await createUser({ email: "jos\u00e9@example.com" });
        expect(await store().getUserByEmail("public", "JOS\u00e9@example.com")).toBeNull();
        expect(await store().getUserByEmail("public", "jose\u0301@example.com")).toBeNull();
        expect(await store().createUser(userRow({ email: "jose\u0301@example.com" }))).toBe(true);
      });

      it("updates the password hash alone", async () => {
        const row = await createUser();
        expect(await store().updateUser(row.userId, { passwordHash: "$argon2id$hash-b" })).toBe("OK");
        expect(await store().getUserById(row.userId)).toEqual({ ...row, passwordHash: "$argon2id$hash-b" });
      });

      it("updates the email alone, after which the old email finds nobody", async () => {
        const row = await createUser({ email: "old@example.com" });
        expect(await store().updateUser(row.userId, { email: "new@example.com" })).toBe("OK");
        expect(await store().getUserById(row.userId)).toEqual({ ...row, email: "new@example.com" });
        expect(await store().getUserByEmail("public", "old@example.com")).toBeNull();
      });

      it("updates email and password hash together", async () => {
        const row = await createUser();
        expect(await store().updateUser(row.userId, { email: "both@example.com", passwordHash: "h2" })).toBe("OK");
        expect(await store().getUserById(row.userId)).toEqual({ ...row, email: "both@example.com", passwordHash: "h2" });
      });

      it("answers OK when the email is set to the user's own current email", async () => {
        const row = await createUser({ email: "same@example.com" });
        expect(await store().updateUser(row.userId, { email: "same@example.com" })).toBe("OK");
      });

      it("refuses an email taken in the same tenant and changes nothing", async () => {
        await createUser({ email: "taken@example.com" });
        const row = await createUser({ email: "mine@example.com" });
        expect(await store().updateUser(row.userId, { email: "taken@example.com", passwordHash: "changed" })).toBe("EMAIL_ALREADY_EXISTS");
        expect(await store().getUserById(row.userId)).toEqual(row);
      });

      it("allows an email that is taken only in another tenant", async () => {
        await createUser({ email: "shared@example.com", tenantId: "tenant-b" });
        const row = await createUser({ email: "mine@example.com" });
        expect(await store().updateUser(row.userId, { email: "shared@example.com" })).toBe("OK");
      });

      it("answers UNKNOWN_USER for an unknown id, with or without changes", async () => {
        expect(await store().updateUser(randomUUID(), { passwordHash: "x" })).toBe("UNKNOWN_USER");
        expect(await store().updateUser(randomUUID(), {})).toBe("UNKNOWN_USER");
      });

      it("stores and finds injection strings literally, touching no other row", async () => {
        const bystander = await createUser({ email: "bystander@example.com" });
        for (const value of INJECTIONS) {
          const row = await createUser({ email: value, tenantId: value, userId: value, passwordHash: value });
          expect(await store().getUserByEmail(value, value)).toEqual(row);
          expect(await store().getUserById(value)).toEqual(row);
        }
        expect(await store().getUserByEmail("public", "' OR '1'='1")).toBeNull();
        expect(await store().getUserById(bystander.userId)).toEqual(bystander);
      });
    });

    describe("reset tokens", () => {
      it("returns the token's user and email once, then null: single use", async () => {
        const user = await createUser({ email: "alice@example.com" });
        await store().createResetToken({ tokenHash: "t1", userId: user.userId, email: user.email, expiresAt: NOW + 1000 });
        expect(await store().consumeResetToken("t1", NOW)).toEqual({ userId: user.userId, email: "alice@example.com" });
        expect(await store().consumeResetToken("t1", NOW)).toBeNull();
      });

      it("returns the email recorded with the token, not the user's current one", async () => {
        const user = await createUser({ email: "old@example.com" });
        await store().createResetToken({ tokenHash: "t1", userId: user.userId, email: "old@example.com", expiresAt: NOW + 1000 });
        await store().updateUser(user.userId, { email: "new@example.com" });
        expect(await store().consumeResetToken("t1", NOW)).toEqual({ userId: user.userId, email: "old@example.com" });
      });

      it("returns null for an unknown token", async () => {
        expect(await store().consumeResetToken("unknown", NOW)).toBeNull();
      });

      it("deletes every other token of the same user on use, and no one else's", async () => {
        const alice = await createUser();
        const bob = await createUser();
        for (const tokenHash of ["a1", "a2", "a3"]) await store().createResetToken({ tokenHash, userId: alice.userId, email: alice.email, expiresAt: NOW + 1000 });
        await store().createResetToken({ tokenHash: "b1", userId: bob.userId, email: bob.email, expiresAt: NOW + 1000 });
        expect(await store().consumeResetToken("a2", NOW)).not.toBeNull();
        expect(await store().consumeResetToken("a1", NOW)).toBeNull();
        expect(await store().consumeResetToken("a3", NOW)).toBeNull();
        expect(await store().consumeResetToken("b1", NOW)).toEqual({ userId: bob.userId, email: bob.email });
      });

      it("accepts a token one millisecond before its expiry time", async () => {
        const user = await createUser();
        await store().createResetToken({ tokenHash: "t1", userId: user.userId, email: user.email, expiresAt: NOW + 1000 });
        expect(await store().consumeResetToken("t1", NOW + 999)).not.toBeNull();
      });

      it("rejects a token at its expiry time and deletes it", async () => {
        const user = await createUser();
        await store().createResetToken({ tokenHash: "t1", userId: user.userId, email: user.email, expiresAt: NOW + 1000 });
        expect(await store().consumeResetToken("t1", NOW + 1000)).toBeNull();
        expect(await store().consumeResetToken("t1", NOW)).toBeNull();
      });

      it("lets exactly one of two concurrent uses of a token succeed", async () => {
        const user = await createUser();
        await store().createResetToken({ tokenHash: "t1", userId: user.userId, email: user.email, expiresAt: NOW + 1000 });
        const results = await Promise.all([store().consumeResetToken("t1", NOW), store().consumeResetToken("t1", NOW)]);
        expect(results.filter((r) => r !== null)).toHaveLength(1);
      });

      it("treats an injection string as a token hash that matches nothing", async () => {
        const user = await createUser();
        await store().createResetToken({ tokenHash: "t1", userId: user.userId, email: user.email, expiresAt: NOW + 1000 });
        for (const value of INJECTIONS) expect(await store().consumeResetToken(value, NOW)).toBeNull();
        expect(await store().consumeResetToken("t1", NOW)).not.toBeNull();
      });
    });
  });
}

/**
 * The conformance suite of the {@link EmailVerificationStore} port, written once and run by every
 * storage adapter. `open()` must return a storage on an empty, migrated database each time.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { EmailVerificationTokenRow, Storage } from "../../src/core/storage.js";
import { freshStorageEachTest } from "./fresh-storage.js";

const NOW = 1_700_000_000_000;
const INJECTIONS = ["' OR '1'='1'--@example.com", "x' OR 1=1 --", "'); DROP TABLE emailverification_verified;--", '"; DELETE FROM emailverification_tokens; --'];

function tokenRow(overrides: Partial<EmailVerificationTokenRow> = {}): EmailVerificationTokenRow {
  return { tokenHash: randomUUID(), userId: "user-1", email: "alice@example.com", tenantId: "public", expiresAt: NOW + 1000, ...overrides };
}

export function describeEmailVerificationStoreSuite(name: string, open: () => Promise<Storage>, cleanup?: (storage: Storage) => Promise<void>): void {
  describe(`EmailVerificationStore conformance (${name})`, () => {
    let storage: Storage;
    freshStorageEachTest(open, cleanup, (opened) => (storage = opened));
    const store = () => storage.emailVerification;

    describe("tokens", () => {
      it("returns the token's user, email and tenant once, then null: single use", async () => {
        await store().createToken(tokenRow({ tokenHash: "t1", tenantId: "acme" }));
        expect(await store().consumeToken("t1", NOW)).toEqual({ userId: "user-1", email: "alice@example.com", tenantId: "acme" });
        expect(await store().consumeToken("t1", NOW)).toBeNull();
      });

      it("returns null for an unknown token", async () => {
        expect(await store().consumeToken("unknown", NOW)).toBeNull();
      });

      it("accepts a token one millisecond before its expiry time and refuses it at that time", async () => {
        await store().createToken(tokenRow({ tokenHash: "early" }));
        await store().createToken(tokenRow({ tokenHash: "late", userId: "user-2" }));
        expect(await store().consumeToken("early", NOW + 999)).not.toBeNull();
        expect(await store().consumeToken("late", NOW + 1000)).toBeNull();
        expect(await store().consumeToken("late", NOW)).toBeNull();
      });

      it("deletes every other token of the same user and email on use, and keeps other addresses' and users' tokens", async () => {
        for (const tokenHash of ["a1", "a2"]) await store().createToken(tokenRow({ tokenHash }));
        await store().createToken(tokenRow({ tokenHash: "other-email", email: "alice@work.example" }));
        await store().createToken(tokenRow({ tokenHash: "other-user", userId: "user-2" }));
        expect(await store().consumeToken("a1", NOW)).not.toBeNull();
        expect(await store().consumeToken("a2", NOW)).toBeNull();
        expect(await store().consumeToken("other-email", NOW)).toEqual({ userId: "user-1", email: "alice@work.example", tenantId: "public" });
        expect(await store().consumeToken("other-user", NOW)).toEqual({ userId: "user-2", email: "alice@example.com", tenantId: "public" });
      });

      it("sweeps expired tokens of anyone when a token is used", async () => {
        await store().createToken(tokenRow({ tokenHash: "stale", userId: "user-2", expiresAt: NOW - 1 }));
        await store().consumeToken("unknown", NOW);
        expect(await store().consumeToken("stale", NOW - 10)).toBeNull();
      });

      it("lets exactly one of two concurrent uses of a token succeed", async () => {
        await store().createToken(tokenRow({ tokenHash: "t1" }));
        const results = await Promise.all([store().consumeToken("t1", NOW), store().consumeToken("t1", NOW)]);
        expect(results.filter((r) => r !== null)).toHaveLength(1);
      });

      it("revokes the tokens of one user, email and tenant only, and says how many", async () => {
        await store().createToken(tokenRow({ tokenHash: "p1" }));
        await store().createToken(tokenRow({ tokenHash: "p2" }));
        await store().createToken(tokenRow({ tokenHash: "acme", tenantId: "acme" }));
        expect(await store().revokeTokens("user-1", "alice@example.com", "public")).toBe(2);
        expect(await store().consumeToken("p1", NOW)).toBeNull();
        expect(await store().consumeToken("acme", NOW)).not.toBeNull();
        expect(await store().revokeTokens("user-1", "alice@example.com", "public")).toBe(0);
      });

      it("treats injection strings as literal values", async () => {
        await store().createToken(tokenRow({ tokenHash: "keep" }));
        for (const value of INJECTIONS) {
          await store().createToken(tokenRow({ tokenHash: value, userId: value, email: value, tenantId: value }));
          expect(await store().consumeToken(value, NOW)).toEqual({ userId: value, email: value, tenantId: value });
        }
        expect(await store().consumeToken("keep", NOW)).not.toBeNull();
      });
    });

    describe("verified emails", () => {
      it("is unverified until marked, then verified", async () => {
        expect(await store().isVerified("user-1", "alice@example.com")).toBe(false);
        expect(await store().markVerified("user-1", "alice@example.com", NOW)).toBe(true);
        expect(await store().isVerified("user-1", "alice@example.com")).toBe(true);
      });

      it("says false when marking an email that is already verified", async () => {
        await store().markVerified("user-1", "alice@example.com", NOW);
        expect(await store().markVerified("user-1", "alice@example.com", NOW + 1)).toBe(false);
      });

      it("verifies a (user, email) pair: another email of the user, or the email of another user, stays unverified", async () => {
        await store().markVerified("user-1", "alice@example.com", NOW);
        expect(await store().isVerified("user-1", "alice@work.example")).toBe(false);
        expect(await store().isVerified("user-2", "alice@example.com")).toBe(false);
      });

      it("compares emails exactly (normalising is the caller's job)", async () => {
        await store().markVerified("user-1", "alice@example.com", NOW);
        expect(await store().isVerified("user-1", "Alice@example.com")).toBe(false);
      });

      it("unmarks a verification and says whether there was one", async () => {
        await store().markVerified("user-1", "alice@example.com", NOW);
        expect(await store().unmarkVerified("user-1", "alice@example.com")).toBe(true);
        expect(await store().isVerified("user-1", "alice@example.com")).toBe(false);
        expect(await store().unmarkVerified("user-1", "alice@example.com")).toBe(false);
      });

      it("lets exactly one of two concurrent marks report the change", async () => {
        const results = await Promise.all([store().markVerified("user-1", "race@example.com", NOW), store().markVerified("user-1", "race@example.com", NOW)]);
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it("treats injection strings as literal values", async () => {
        for (const value of INJECTIONS) await store().markVerified(value, value, NOW);
        expect(await store().isVerified("user-1", "' OR '1'='1")).toBe(false);
        for (const value of INJECTIONS) expect(await store().isVerified(value, value)).toBe(true);
      });
    });
  });
}

/**
 * Refresh-token reuse, theft and garbage, and revoked sessions: security-cases.md §2 C and D
 * (SEC-15, 18, 19, 20), in cookie and header mode. Storage is read from the SQLite file: the
 * sessions' refresh_hash2 values, row counts, and the key tables.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Session from "../../src/recipe/session/index.js";
import {
  carry,
  carryRefresh,
  expectOutcome,
  expectStorageUnchanged,
  expectTokensCleared,
  MODES,
  parts,
  send,
  startSecApp,
  THEFT,
  U1,
  U2,
  U3,
  UNAUTH,
  type Mode,
  type SecApp,
  type SignedIn,
} from "./harness.js";

/** Refreshes through the client (it keeps the new tokens) and returns the new refresh and access tokens. */
async function rotate(s: SignedIn): Promise<{ refresh: string; access: string }> {
  const reply = await s.client.refresh();
  expect(reply.status).toBe(200);
  const refresh = s.mode === "cookie" ? s.client.cookie("sRefreshToken") : s.client.refreshToken;
  const access = s.mode === "cookie" ? s.client.cookie("sAccessToken") : s.client.accessToken;
  if (!refresh || !access) throw new Error("refresh gave no tokens");
  return { refresh, access };
}

// One app for both modes (sessions are independent; each app costs an RSA key).
let app: SecApp;
let foreignRefreshToken: string;

beforeAll(async () => {
  // A refresh token from another deployment (another database, so another MAC key): minted first,
  // because tessera runs one instance per process.
  const other = await startSecApp();
  foreignRefreshToken = (await other.signIn(U1, "header")).refresh;
  await other.close();
  app = await startSecApp({ session: { refreshGracePeriod: 30 } });
});
afterAll(async () => app.close());

describe.each(MODES)("refresh tokens (%s mode)", (mode: Mode) => {

  const refreshWith = (token: string) => send(app, "POST", "/auth/session/refresh", carryRefresh(mode, token));

  describe("SEC-15 reuse of a parent or grandparent refresh token", () => {
    it("(a) reports theft for the parent token reused after the grace window, clears the tokens and revokes the session", async () => {
      const bystander = await app.signIn(U2, mode);
      const s = await app.signIn(U1, mode);
      const r0 = s.refresh;
      const { refresh: r1, access: a1 } = await rotate(s);
      expect(parts(a1).payload.parentRefreshTokenHash1).toEqual(expect.any(String));
      expect((await s.client.request("GET", "/t/session")).status).toBe(200); // A1 used once: R1 is committed
      const a1Promoted = mode === "cookie" ? s.client.cookie("sAccessToken")! : s.client.accessToken!;
      app.clock.advance(31_000);
      const bystanderRow = app.sessionRow(bystander.handle);

      const reply = await refreshWith(r0);
      expectOutcome(reply, THEFT);
      expectTokensCleared(reply);
      expect(app.sessionRow(s.handle)).toBeUndefined();
      expect(app.sessionRow(bystander.handle)).toEqual(bystanderRow);

      expectOutcome(await refreshWith(r1), UNAUTH);
      expectOutcome(await send(app, "GET", "/t/session-db", carry(mode, a1)), UNAUTH);
      expectOutcome(await send(app, "GET", "/t/session-db", carry(mode, a1Promoted)), UNAUTH);
      expect(app.sessionRow(s.handle)).toBeUndefined();
    });

    it("(b) reports theft for the grandparent token after two rotations, then refuses every token of the session", async () => {
      const s = await app.signIn(U1, mode);
      const r0 = s.refresh;
      const { refresh: r1, access: a1 } = await rotate(s);
      expect((await s.client.request("GET", "/t/session")).status).toBe(200);
      const { refresh: r2, access: a2 } = await rotate(s);
      expect(r2).not.toBe(r1);

      const reply = await refreshWith(r0);
      expectOutcome(reply, THEFT);
      expectTokensCleared(reply);
      expect(app.sessionRow(s.handle)).toBeUndefined();

      for (const token of [r0, r1, r2]) expectOutcome(await refreshWith(token), UNAUTH);
      for (const token of [a1, a2]) expectOutcome(await send(app, "GET", "/t/session-db", carry(mode, token)), UNAUTH);
    });
  });

  describe("SEC-18 reuse just after the grace window (G = 30 s)", () => {
    async function rotatedAndCommitted() {
      const s = await app.signIn(U1, mode);
      const r0 = s.refresh;
      await rotate(s);
      expect((await s.client.request("GET", "/t/session")).status).toBe(200); // promotion: the rotation is committed now
      const row = app.sessionRow(s.handle)!;
      expect(row.promoted_at).toBe(app.clock.now());
      return { s, r0, row };
    }

    it("still accepts the previous token at rotatedAt + 30 s and leaves the committed hash alone", async () => {
      const { s, r0, row } = await rotatedAndCommitted();
      app.clock.advance(30_000);
      const reply = await refreshWith(r0);
      expect(reply.status).toBe(200);
      expect(app.sessionRow(s.handle)?.refresh_hash2).toBe(row.refresh_hash2);
    });

    it("reports theft for the previous token at rotatedAt + 31 s and deletes the session", async () => {
      const { s, r0 } = await rotatedAndCommitted();
      app.clock.advance(31_000);
      const reply = await refreshWith(r0);
      expectOutcome(reply, THEFT);
      expectTokensCleared(reply);
      expect(app.sessionRow(s.handle)).toBeUndefined();
    });
  });

  describe("SEC-19 garbage refresh tokens", () => {
    let alice: SignedIn;
    let bob: SignedIn;

    beforeAll(async () => {
      alice = await app.signIn(U1, mode);
      bob = await app.signIn(U2, mode);
    });

    /** `token` is refused as unauthorised (never theft) and no row, hash or key changes. */
    async function expectGarbage(token: string) {
      await expectStorageUnchanged(app, async () => {
        const reply = await refreshWith(token);
        expectOutcome(reply, UNAUTH);
      });
    }

    it("refuses R0 with any one character changed, at every position, without blaming the session", async () => {
      const r0 = alice.refresh;
      const before = app.snapshot();
      for (let at = 0; at < r0.length; at++) {
        const replacement = r0[at] === "a" ? "b" : r0[at] === "." ? "x" : "a";
        const reply = await refreshWith(r0.slice(0, at) + replacement + r0.slice(at + 1));
        expectOutcome(reply, UNAUTH);
      }
      expect(app.snapshot()).toEqual(before);
    });

    it("refuses R0 re-pointed at another user's session handle (the MAC covers the handle)", async () => {
      const [v, nonce, , parent, mac] = alice.refresh.split(".");
      await expectGarbage([v, nonce, bob.handle, parent, mac].join("."));
      // Bob is not treated as stolen: his own token still refreshes.
      expect(app.sessionRow(bob.handle)).toBeDefined();
    });

    it("refuses a random 64-character string, 10 KiB of A, an SQL fragment and the access token", async () => {
      await expectGarbage(randomBytes(48).toString("base64url"));
      await expectGarbage("A".repeat(10 * 1024));
      await expectGarbage("x' OR 1=1 --");
      await expectGarbage(alice.access);
    });

    it("refuses an empty refresh token", async () => {
      await expectStorageUnchanged(app, async () => {
        const reply =
          mode === "cookie"
            ? await send(app, "POST", "/auth/session/refresh", { headers: { rid: "session", cookie: "sRefreshToken=" } })
            : await send(app, "POST", "/auth/session/refresh", { headers: { rid: "session", authorization: "Bearer " } });
        expectOutcome(reply, UNAUTH);
      });
    });

    it("refuses a refresh token issued by another deployment (another MAC key)", async () => {
      expect(foreignRefreshToken.split(".")).toHaveLength(5);
      await expectGarbage(foreignRefreshToken);
    });

    it("control: after all the garbage, the real tokens still refresh", async () => {
      expect((await refreshWith(alice.refresh)).status).toBe(200);
      expect((await refreshWith(bob.refresh)).status).toBe(200);
    });
  });

  describe("SEC-20 sign-out and revoking every session of a user", () => {
    it("after sign-out, the old refresh token is unauthorised and the old access token fails a database-checked route", async () => {
      const s = await app.signIn(U2, mode);
      const { access, refresh } = s;
      const signOut = await s.client.request("POST", "/auth/signout", { body: {} });
      expect(signOut.status).toBe(200);
      expect(signOut.body).toEqual({ status: "OK" });
      expect(app.sessionRow(s.handle)).toBeUndefined();

      expectOutcome(await refreshWith(refresh), UNAUTH);
      expectOutcome(await send(app, "GET", "/t/session-db", carry(mode, access)), UNAUTH);
      expect(app.sessionRow(s.handle)).toBeUndefined();
    });

    it("documents the stateless window: without checkDatabase the old access token passes until exp, which is at most the access lifetime", async () => {
      const s = await app.signIn(U3, mode);
      await s.client.request("POST", "/auth/signout", { body: {} });
      const { iat, exp } = parts(s.access).payload as { iat: number; exp: number };
      expect(exp - iat).toBeLessThanOrEqual(3600);
      expect((await send(app, "GET", "/t/session", carry(mode, s.access))).status).toBe(200);
      app.clock.advance((exp - iat) * 1000);
      expect((await send(app, "GET", "/t/session", carry(mode, s.access))).status).toBe(401);
    });

    it("revokeAllSessionsForUser ends all 3 of a user's sessions and no one else's", async () => {
      const sessions = [await app.signIn(U3, mode), await app.signIn(U3, mode), await app.signIn(U3, mode)];
      const other = await app.signIn(U1, mode);
      const otherRow = app.sessionRow(other.handle);

      const revoked = await Session.revokeAllSessionsForUser(U3);
      expect(revoked).toEqual(expect.arrayContaining(sessions.map((s) => s.handle)));
      expect(app.sessionCount(U3)).toBe(0);
      for (const s of sessions) {
        expectOutcome(await refreshWith(s.refresh), UNAUTH);
        expectOutcome(await send(app, "GET", "/t/session-db", carry(mode, s.access)), UNAUTH);
      }
      expect(app.sessionRow(other.handle)).toEqual(otherRow);
    });
  });
});

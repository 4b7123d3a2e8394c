/**
 * Session fixation and step-up: security-cases.md §2 F (SEC-27, SEC-29), in cookie and header mode.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../helpers/app.js";
import {
  carry,
  carryRefresh,
  CLAIM_403,
  expectOutcome,
  issuedAccessToken,
  MODES,
  parts,
  send,
  startSecApp,
  U1,
  U2,
  type Mode,
  type SecApp,
} from "./harness.js";

let app: SecApp;
beforeAll(async () => {
  app = await startSecApp();
});
afterAll(async () => app.close());

describe.each(MODES)("session fixation and step-up (%s mode)", (mode: Mode) => {
  describe("SEC-27 planted tokens before sign-in", () => {
    it("gives the victim a new session of their own and leaves the attacker's session row untouched", async () => {
      const attacker = await app.signIn(U2, mode);
      const attackerRow = app.sessionRow(attacker.handle);
      const sessionsBefore = app.sessionCount();

      // The victim's client carries the attacker's tokens in both transfer methods.
      const victim = new Client(app.url, mode);
      victim.cookies.set("sAccessToken|/", { value: attacker.access, path: "/" });
      victim.cookies.set("sRefreshToken|/auth/session/refresh", { value: attacker.refresh, path: "/auth/session/refresh" });
      victim.cookies.set("sFrontToken|/", { value: "planted", path: "/" });
      victim.accessToken = attacker.access;
      victim.refreshToken = attacker.refresh;

      const signedIn = await app.signIn(U1, mode, victim);
      const { payload } = parts(signedIn.access);
      expect(payload.sessionHandle).not.toBe(attacker.handle);
      expect(payload.sub).toBe(U1);
      expect(signedIn.refresh).not.toBe(attacker.refresh);
      expect(signedIn.handle).toBe(payload.sessionHandle);

      expect(app.sessionCount()).toBe(sessionsBefore + 1);
      expect(app.sessionRow(signedIn.handle)).toMatchObject({ user_id: U1 });
      expect(app.sessionRow(attacker.handle)).toEqual(attackerRow);

      // The victim's requests now run as the victim; the attacker's tokens still name the attacker only.
      expect((await victim.request("GET", "/t/session")).body).toEqual({ userId: U1, handle: signedIn.handle });
      expect((await send(app, "GET", "/t/session", carry(mode, attacker.access))).body).toEqual({ userId: U2, handle: attacker.handle });
    });

    if (mode === "header") {
      it("clears planted cookies when the new session is issued in header mode (protocol 1.7)", async () => {
        const attacker = await app.signIn(U2, "cookie");
        const victim = new Client(app.url, "header");
        victim.cookies.set("sAccessToken|/", { value: attacker.access, path: "/" });
        victim.cookies.set("sRefreshToken|/auth/session/refresh", { value: attacker.refresh, path: "/auth/session/refresh" });
        await app.signIn(U1, "header", victim);
        expect(victim.cookie("sAccessToken")).toBeUndefined();
        expect(victim.cookie("sRefreshToken")).toBeUndefined();
      });
    }
  });

  describe("SEC-29 step-up (second factor) on a live session", () => {
    // Deliberate design, as in SuperTokens (security-cases.md SEC-29): completing the second factor
    // updates the session's payload in place and issues a new ACCESS token with the claim, but does
    // NOT rotate the refresh token or the session handle. ASVS 7.2.4 reads "issue a new session token
    // on re-authentication"; the access token is new, the refresh token is not. This test pins that
    // behaviour so that changing it is a conscious decision.
    it("pins today's behaviour: new access token with the claim, same handle and same refresh token hash", async () => {
      const s = await app.signIn(U1, mode);
      const a0 = s.access;
      const r0 = s.refresh;
      const row0 = app.sessionRow(s.handle)!;
      expectOutcome(await send(app, "GET", "/t/2fa", carry(mode, a0)), CLAIM_403);

      const reply = await s.client.request("POST", "/t/complete-2fa");
      expect(reply.status).toBe(200);
      const a1 = mode === "cookie" ? s.client.cookie("sAccessToken")! : s.client.accessToken!;
      expect(a1).not.toBe(a0);
      expect(parts(a1).payload["2fa-completed"]).toMatchObject({ v: true });
      expect(parts(a1).payload.sessionHandle).toBe(s.handle);
      // No refresh token in the response: the refresh token is not rotated.
      expect(reply.headers.get("st-refresh-token")).toBeNull();
      expect(reply.headers.getSetCookie().some((c) => c.startsWith("sRefreshToken="))).toBe(false);

      const row1 = app.sessionRow(s.handle)!;
      expect(row1.refresh_hash2).toBe(row0.refresh_hash2);
      expect(JSON.parse(row1.access_token_payload as string)["2fa-completed"]).toMatchObject({ v: true });

      // The old access token still carries the first-factor claim and is still refused by the claim.
      expectOutcome(await send(app, "GET", "/t/2fa", carry(mode, a0)), CLAIM_403);
      expect((await send(app, "GET", "/t/2fa", carry(mode, a1))).status).toBe(200);

      // The unrotated refresh token still works and yields the stepped-up payload.
      const refreshed = await send(app, "POST", "/auth/session/refresh", carryRefresh(mode, r0));
      expect(refreshed.status).toBe(200);
      expect(parts(issuedAccessToken(refreshed)!).payload["2fa-completed"]).toMatchObject({ v: true });
    });
  });
});

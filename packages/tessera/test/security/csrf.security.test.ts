/**
 * Cross-site request forgery and transfer-mode confusion: security-cases.md §2 D (SEC-22, SEC-24,
 * SEC-26), under both anti-CSRF modes. CSRF applies to cookie mode only: a browser attaches cookies
 * to a cross-site request, never an Authorization header. The counter behind POST /t/write is the
 * side-effect probe.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../helpers/app.js";
import {
  b64,
  carry,
  carryRefresh,
  expectNoTokenChange,
  expectOutcome,
  expectStorageUnchanged,
  parts,
  send,
  startSecApp,
  TRY_REFRESH,
  U1,
  U2,
  UNAUTH,
  type SecApp,
  type SignedIn,
} from "./harness.js";

const EVIL = { origin: "https://evil.example", "sec-fetch-site": "cross-site", "content-type": "text/plain" };

describe.each(["VIA_TOKEN", "VIA_CUSTOM_HEADER"] as const)("cookie mode with antiCsrf %s", (antiCsrf) => {
  let app: SecApp;
  let alice: SignedIn;
  let bob: SignedIn;

  beforeAll(async () => {
    app = await startSecApp({ session: { antiCsrf } });
    alice = await app.signIn(U1, "cookie");
    bob = await app.signIn(U2, "cookie");
  });
  afterAll(async () => app.close());

  /** What a cross-site page makes the victim's browser send: the cookies, no custom header. */
  const crossSite = (cookies: Record<string, string>, headers: Record<string, string> = {}) => ({ headers: { ...EVIL, ...headers }, cookies, body: "x=1" });

  describe("SEC-22 state-changing request without the anti-CSRF proof", () => {
    it("control: with the proof the write runs once", async () => {
      const before = app.counter.value;
      const reply = await alice.client.request("POST", "/t/write");
      expect(reply.status).toBe(200);
      expect(app.counter.value).toBe(before + 1);
    });

    it("refuses a cross-site POST that carries only the cookies, and the handler does not run", async () => {
      await expectStorageUnchanged(app, async () => {
        const reply = await send(app, "POST", "/t/write", crossSite({ sAccessToken: alice.access }));
        expectOutcome(reply, TRY_REFRESH);
        expectNoTokenChange(reply);
      });
    });

    if (antiCsrf === "VIA_TOKEN") {
      it("refuses a wrong anti-csrf value, another session's value, and a rid header in place of the token", async () => {
        expect(alice.antiCsrf).toEqual(expect.any(String));
        await expectStorageUnchanged(app, async () => {
          for (const headers of [{ "anti-csrf": "guess" }, { "anti-csrf": bob.antiCsrf! }, { rid: "anti-csrf" }, { "anti-csrf": "" }] as Record<string, string>[]) {
            expectOutcome(await send(app, "POST", "/t/write", crossSite({ sAccessToken: alice.access }, headers)), TRY_REFRESH);
          }
        });
      });

      it("refuses a cookie-carried access token that has no anti-CSRF binding (a header-mode token) without the proof", async () => {
        const headerSession = await app.signIn(U1, "header");
        expect(parts(headerSession.access).payload.antiCsrfToken).toBeNull();
        await expectStorageUnchanged(app, async () => {
          expectOutcome(await send(app, "POST", "/t/write", crossSite({ sAccessToken: headerSession.access })), TRY_REFRESH);
        });
      });
    } else {
      it("accepts any rid value as the proof, and nothing else", async () => {
        await expectStorageUnchanged(app, async () => {
          expectOutcome(await send(app, "POST", "/t/write", crossSite({ sAccessToken: alice.access }, { "anti-csrf": "x", "x-requested-with": "XMLHttpRequest" })), TRY_REFRESH);
        });
        const before = app.counter.value;
        expect((await send(app, "POST", "/t/write", crossSite({ sAccessToken: alice.access }, { rid: "session" }))).status).toBe(200);
        expect(app.counter.value).toBe(before + 1);
      });
    }

    it("does not ask for the proof on GET (safe methods must not change state, ASVS 3.5.3)", async () => {
      await expectStorageUnchanged(app, async () => {
        const reply = await send(app, "GET", "/t/session", { ...crossSite({ sAccessToken: alice.access }), body: undefined });
        expect(reply.body).toEqual({ userId: U1, handle: alice.handle });
      });
    });
  });

  describe("SEC-24 refresh and sign-out CSRF, and GET on state changes", () => {
    it("(a) refuses a cross-site refresh as unauthorised without clearing any cookie or changing the session", async () => {
      await expectStorageUnchanged(app, async () => {
        const reply = await send(app, "POST", "/auth/session/refresh", crossSite({ sRefreshToken: alice.refresh, sAccessToken: alice.access }));
        expectOutcome(reply, UNAUTH);
        expectNoTokenChange(reply);
      });
      // Still signed in: the real client refreshes.
      const s = await app.signIn(U1, "cookie");
      expect((await s.client.refresh()).status).toBe(200);
    });

    it("(b) refuses a cross-site sign-out with 401 and the session stays alive", async () => {
      await expectStorageUnchanged(app, async () => {
        const reply = await send(app, "POST", "/auth/signout", crossSite({ sAccessToken: bob.access }));
        expectOutcome(reply, TRY_REFRESH);
        expectNoTokenChange(reply);
      });
      expect(app.sessionRow(bob.handle)).toBeDefined();
      expect((await bob.client.request("GET", "/t/session")).status).toBe(200);
    });

    it("(c) answers 404 or 405 to GET /auth/signout and GET /auth/session/refresh, touching nothing", async () => {
      await expectStorageUnchanged(app, async () => {
        for (const path of ["/auth/signout", "/auth/session/refresh"]) {
          const reply = await send(app, "GET", path, { headers: { rid: "session", "anti-csrf": alice.antiCsrf ?? "" }, cookies: { sAccessToken: alice.access, sRefreshToken: alice.refresh } });
          expect([404, 405]).toContain(reply.status);
          expectNoTokenChange(reply);
        }
      });
      expect(app.sessionRow(alice.handle)).toBeDefined();
    });
  });

  describe("SEC-26 transfer-mode confusion", () => {
    afterEach(() => app.setTransferMethod("default"));
    /** The anti-CSRF proof of this configuration, for a cookie session. */
    const proof = (s: SignedIn): Record<string, string> => (antiCsrf === "VIA_TOKEN" ? { "anti-csrf": s.antiCsrf! } : { rid: "session" });

    it("(a) header-only: ignores valid tokens sent only as cookies, on a route and on refresh", async () => {
      app.setTransferMethod("header");
      const headerOnly = await app.signIn(U1, "header");
      await expectStorageUnchanged(app, async () => {
        expectOutcome(await send(app, "GET", "/t/session", { headers: { rid: "x" }, cookies: { sAccessToken: headerOnly.access } }), UNAUTH);
        expectOutcome(await send(app, "POST", "/t/write", { headers: { rid: "x" }, cookies: { sAccessToken: headerOnly.access } }), UNAUTH);
        expectOutcome(await send(app, "POST", "/auth/session/refresh", { headers: { rid: "session" }, cookies: { sRefreshToken: headerOnly.refresh } }), UNAUTH);
      });
    });

    it("(a) header-only: issues header tokens even when the client asks for cookies", async () => {
      app.setTransferMethod("header");
      const client = new Client(app.url, "cookie");
      await client.request("POST", "/t/signin", { body: { userId: U2 } });
      expect(client.cookie("sAccessToken")).toBeUndefined();
      expect(client.accessToken).toEqual(expect.any(String));
    });

    it("(b) cookie-only: ignores valid tokens sent only as Authorization: Bearer, on a route and on refresh", async () => {
      app.setTransferMethod("cookie");
      await expectStorageUnchanged(app, async () => {
        expectOutcome(await send(app, "GET", "/t/session", carry("header", alice.access)), UNAUTH);
        expectOutcome(await send(app, "POST", "/t/write", carry("header", alice.access)), UNAUTH);
        expectOutcome(await send(app, "POST", "/auth/session/refresh", carryRefresh("header", alice.refresh)), UNAUTH);
      });
    });

    describe("(c) 'any': one user's cookie and another user's bearer token", () => {
      let bobHeader: SignedIn;
      beforeAll(async () => {
        bobHeader = await app.signIn(U2, "header");
      });

      it("a session bearer token takes precedence over the cookie (protocol 1.6)", async () => {
        const reply = await send(app, "GET", "/t/session", { headers: { authorization: `Bearer ${bobHeader.access}` }, cookies: { sAccessToken: alice.access } });
        expect(reply.body).toEqual({ userId: U2, handle: bobHeader.handle });
      });

      it("a write authorised by the bearer token needs no CSRF proof (no browser attaches it cross-site) and acts as the bearer's user", async () => {
        const before = app.counter.value;
        const reply = await send(app, "POST", "/t/write", { headers: { ...EVIL, authorization: `Bearer ${bobHeader.access}` }, cookies: { sAccessToken: alice.access } });
        expect(reply.body).toEqual({ userId: U2, handle: bobHeader.handle, counter: before + 1 });
      });

      it("when the bearer token is the app's own (not a session token), the cookie is used and the CSRF check applies", async () => {
        await expectStorageUnchanged(app, async () => {
          const reply = await send(app, "POST", "/t/write", { headers: { ...EVIL, authorization: "Bearer app.own.token" }, cookies: { sAccessToken: alice.access } });
          expectOutcome(reply, TRY_REFRESH);
        });
        const ok = await send(app, "POST", "/t/write", { headers: { ...proof(alice), authorization: "Bearer app.own.token" }, cookies: { sAccessToken: alice.access } });
        expect(ok.body).toMatchObject({ userId: U1 });
      });

      it("a session bearer token spelled in non-canonical base64url is not ours either: the cookie is used, with its CSRF check", async () => {
        const { h, p, s } = parts(bobHeader.access);
        const padded = `${h}.${p}=.${s}`;
        // Precondition: a lenient decoder reads Bob's very payload from it.
        expect(Buffer.from(`${p}=`, "base64url").equals(Buffer.from(p, "base64url"))).toBe(true);
        await expectStorageUnchanged(app, async () => {
          const reply = await send(app, "POST", "/t/write", { headers: { ...EVIL, authorization: `Bearer ${padded}` }, cookies: { sAccessToken: alice.access } });
          expectOutcome(reply, TRY_REFRESH);
        });
        const ok = await send(app, "POST", "/t/write", { headers: { ...proof(alice), authorization: `Bearer ${padded}` }, cookies: { sAccessToken: alice.access } });
        expect(ok.body).toMatchObject({ userId: U1 });
      });

      it("an invalid session bearer token does not fall back to the cookie", async () => {
        const { h, p } = parts(bobHeader.access);
        const forged = `${h}.${p}.${b64("not the signature")}`;
        await expectStorageUnchanged(app, async () => {
          for (const [method, path] of [["GET", "/t/session"], ["POST", "/t/write"]] as const) {
            const reply = await send(app, method, path, { headers: { ...proof(alice), authorization: `Bearer ${forged}` }, cookies: { sAccessToken: alice.access } });
            expectOutcome(reply, TRY_REFRESH);
          }
        });
      });
    });
  });
});

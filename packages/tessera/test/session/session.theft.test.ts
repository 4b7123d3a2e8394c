/**
 * Refresh-token theft detection (protocol 1.3, section 7 item 18; security cases SEC-15, SEC-18)
 * and the grace window that lets two concurrent refreshes from one client through.
 */
import { describe, expect, it } from "vitest";
import Session from "../../src/recipe/session/index.js";
import { accessTokenOf, CLEARED_EVERYWHERE, clearingOf, fork, refreshTokenOf, send, sessionRow, sharedApp, signIn } from "./helpers.js";
import type { Client } from "../helpers/app.js";

const GRACE_MS = 10_000;

describe("with the default 10 s grace window", () => {
  const app = sharedApp();

  describe("theft detection", () => {
    /** R1 → (A2, R2), A2 used, then R1 presented again after the grace window. */
    async function reuseParentAfterGrace(mode: "cookie" | "header" = "cookie") {
      const victim = app.client(mode);
      const handle = await signIn(victim);
      const thief = fork(victim);
      const oldAccess = accessTokenOf(victim);
      expect((await victim.refresh()).status).toBe(200);
      expect((await victim.request("GET", "/verify")).status).toBe(200);
      app.clock.advance(GRACE_MS + 1_000);
      const res = await thief.refresh();
      return { victim, handle, res, oldAccess };
    }

    it("reports theft when a refresh token is reused after its child's access token was used and the grace window passed", async () => {
      const { res } = await reuseParentAfterGrace();
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ message: "token theft detected" });
    });

    it("empties both cookies with epoch expiry, clears the header tokens and sends front-token: remove on theft", async () => {
      const { res } = await reuseParentAfterGrace();
      expect(clearingOf(res.headers)).toEqual(CLEARED_EVERYWHERE);
    });

    it("reports theft the same way in header mode", async () => {
      const { res } = await reuseParentAfterGrace("header");
      expect(res).toMatchObject({ status: 401, body: { message: "token theft detected" } });
      expect(clearingOf(res.headers)).toEqual(CLEARED_EVERYWHERE);
    });

    it("revokes the session on theft, so the newer refresh token gets 401 unauthorised", async () => {
      const { victim, handle } = await reuseParentAfterGrace();
      expect(await victim.refresh()).toMatchObject({ status: 401, body: { message: "unauthorised" } });
      expect(await sessionRow(handle)).toBeNull();
      expect(await Session.getSessionInformation(handle)).toBeUndefined();
    });

    it("revokes the session on theft, so the newer and the older access tokens are refused under checkDatabase", async () => {
      const { victim, oldAccess } = await reuseParentAfterGrace();
      const newer = await victim.request("GET", "/verify-db");
      expect(newer).toMatchObject({ status: 401, body: { message: "unauthorised" } });
      expect(clearingOf(newer.headers)).toEqual(CLEARED_EVERYWHERE);
      const older = await send(app.url, "GET", "/verify-db", { cookies: { sAccessToken: oldAccess } });
      expect(older).toMatchObject({ status: 401, body: { message: "unauthorised" } });
    });

    it("reports theft for a grandparent token: R0 presented after R1 was itself used to refresh, with no wait", async () => {
      const c = app.client("cookie");
      const handle = await signIn(c);
      const r0 = fork(c);
      expect((await c.refresh()).status).toBe(200);
      expect((await c.request("GET", "/verify")).status).toBe(200);
      expect((await c.refresh()).status).toBe(200);
      const res = await r0.refresh();
      expect(res).toMatchObject({ status: 401, body: { message: "token theft detected" } });
      expect(clearingOf(res.headers)).toEqual(CLEARED_EVERYWHERE);
      expect(await sessionRow(handle)).toBeNull();
      expect(await c.refresh()).toMatchObject({ status: 401, body: { message: "unauthorised" } });
    });

    it("accepts the parent token again within the grace window after its child was used", async () => {
      const c = app.client("cookie");
      const handle = await signIn(c);
      const parent = fork(c);
      await c.refresh();
      await c.request("GET", "/verify");
      app.clock.advance(GRACE_MS - 1_000);
      expect(await parent.refresh()).toMatchObject({ status: 200, body: {} });
      expect(await parent.request("GET", "/verify-db")).toMatchObject({ status: 200, body: { handle } });
    });

    it("reports theft when the parent comes back after its child's refresh token (not its access token) was used", async () => {
      const c = app.client("cookie");
      await signIn(c);
      const parent = fork(c);
      await c.refresh();
      await c.refresh();
      app.clock.advance(GRACE_MS + 1_000);
      expect(await parent.refresh()).toMatchObject({ status: 401, body: { message: "token theft detected" } });
    });
  });

  describe("concurrent refreshes", () => {
    /** Two tabs refresh with the same token at once: both get 200 and sibling tokens. */
    async function twoSiblings() {
      const c = app.client("cookie");
      const handle = await signIn(c);
      const first = fork(c);
      const second = fork(c);
      const results = await Promise.all([first.refresh(), second.refresh()]);
      expect(results.map((r) => [r.status, r.body])).toEqual([
        [200, {}],
        [200, {}],
      ]);
      expect(accessTokenOf(first)).not.toBe(accessTokenOf(second));
      return { handle, siblings: { first, second } as Record<"first" | "second", Client> };
    }

    const other = (which: "first" | "second") => (which === "first" ? "second" : "first");

    it.each(["first", "second"] as const)("keeps the session working when the %s result's access token and then its refresh token are used", async (which) => {
      const { handle, siblings } = await twoSiblings();
      const x = siblings[which];
      expect(await x.request("GET", "/verify")).toMatchObject({ status: 200, body: { handle } });
      expect((await x.refresh()).status).toBe(200);
      expect(await x.request("GET", "/verify-db")).toMatchObject({ status: 200, body: { handle } });
      app.clock.advance(3600_000);
      expect((await x.refresh()).status).toBe(200);
      expect(await x.request("GET", "/verify-db")).toMatchObject({ status: 200, body: { handle } });
    });

    it.each(["first", "second"] as const)("keeps the session working when, after the %s result was used, the other result's access token and refresh token are used within the grace window", async (usedFirst) => {
      const { handle, siblings } = await twoSiblings();
      expect((await siblings[usedFirst].request("GET", "/verify")).status).toBe(200);
      app.clock.advance(GRACE_MS / 2);
      const x = siblings[other(usedFirst)];
      expect(await x.request("GET", "/verify")).toMatchObject({ status: 200, body: { handle } });
      expect(await x.refresh()).toMatchObject({ status: 200, body: {} });
      expect(await x.request("GET", "/verify-db")).toMatchObject({ status: 200, body: { handle } });
      app.clock.advance(GRACE_MS * 2);
      expect((await x.refresh()).status).toBe(200);
      expect(await x.request("GET", "/verify-db")).toMatchObject({ status: 200, body: { handle } });
    });

    it("keeps the session working when the other result's refresh token is used within the grace window without its access token", async () => {
      const { handle, siblings } = await twoSiblings();
      expect((await siblings.first.request("GET", "/verify")).status).toBe(200);
      app.clock.advance(GRACE_MS / 2);
      expect(await siblings.second.refresh()).toMatchObject({ status: 200, body: {} });
      expect(await siblings.second.request("GET", "/verify-db")).toMatchObject({ status: 200, body: { handle } });
    });

    it("reports theft when the losing sibling is used after the grace window", async () => {
      const { handle, siblings } = await twoSiblings();
      expect((await siblings.first.request("GET", "/verify")).status).toBe(200);
      app.clock.advance(GRACE_MS + 1_000);
      expect(await siblings.second.request("GET", "/verify")).toMatchObject({ status: 401, body: { message: "try refresh token" } });
      const res = await siblings.second.refresh();
      expect(res).toMatchObject({ status: 401, body: { message: "token theft detected" } });
      expect(clearingOf(res.headers)).toEqual(CLEARED_EVERYWHERE);
      expect(await sessionRow(handle)).toBeNull();
      expect(await siblings.first.request("GET", "/verify-db")).toMatchObject({ status: 401, body: { message: "unauthorised" } });
    });
  });
});

describe("a configured grace window", () => {
  const graced = sharedApp({ session: { refreshGracePeriod: 30 } });

  async function siblingsWithFirstUsed() {
    const c = graced.client("cookie");
    await signIn(c);
    const first = fork(c);
    const second = fork(c);
    await Promise.all([first.refresh(), second.refresh()]);
    expect((await first.request("GET", "/verify")).status).toBe(200);
    return { first, second };
  }

  it("accepts the losing sibling 29 s after the winner was used when refreshGracePeriod is 30", async () => {
    const { second } = await siblingsWithFirstUsed();
    graced.clock.advance(29_000);
    expect(await second.refresh()).toMatchObject({ status: 200, body: {} });
  });

  it("reports theft for the losing sibling 31 s after the winner was used when refreshGracePeriod is 30", async () => {
    const { second } = await siblingsWithFirstUsed();
    graced.clock.advance(31_000);
    expect(await second.refresh()).toMatchObject({ status: 401, body: { message: "token theft detected" } });
  });
});

describe("no grace window", () => {
  const ungraced = sharedApp({ session: { refreshGracePeriod: 0 } });

  it("reports theft for the losing sibling as soon as the clock moves past the winner's use when refreshGracePeriod is 0", async () => {
    const c = ungraced.client("cookie");
    await signIn(c);
    const first = fork(c);
    const second = fork(c);
    await Promise.all([first.refresh(), second.refresh()]);
    expect((await first.request("GET", "/verify")).status).toBe(200);
    ungraced.clock.advance(1);
    expect(await second.refresh()).toMatchObject({ status: 401, body: { message: "token theft detected" } });
  });
});

// Issue 2 (theft: session revoked) and SEC-16: the revocation is part of detecting theft, not of
// the default HTTP answer, so it holds for the module function and for an app's own handler.
describe("theft detected outside tessera's default HTTP answer", () => {
  describe("refreshSessionWithoutRequestResponse", () => {
    const app = sharedApp();

    it("throws TOKEN_THEFT_DETECTED and revokes the session, so the newer token cannot refresh either", async () => {
      const victim = app.client("header");
      const handle = await signIn(victim);
      const stolen = refreshTokenOf(victim);
      expect((await victim.refresh()).status).toBe(200);
      expect((await victim.request("GET", "/verify")).status).toBe(200);
      app.clock.advance(GRACE_MS + 1_000);
      const thrown = await Session.refreshSessionWithoutRequestResponse(stolen, true).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(thrown).toMatchObject({ type: "TOKEN_THEFT_DETECTED", payload: { sessionHandle: handle } });
      expect(await sessionRow(handle)).toBeNull();
      expect(await victim.refresh()).toMatchObject({ status: 401, body: { message: "unauthorised" } });
    });
  });

  describe("an app's own onTokenTheftDetected that does not revoke", () => {
    const seen: string[] = [];
    const app = sharedApp({
      recipeList: [
        Session.init({
          errorHandlers: {
            onTokenTheftDetected: async (sessionHandle, _userId, _recipeUserId, _req, res) => {
              seen.push(sessionHandle);
              res.setStatus(401);
              res.sendJSON({ message: "token theft detected" });
            },
          },
        }),
      ],
    });

    it("still finds the session revoked: the handler only chooses the answer", async () => {
      const victim = app.client("cookie");
      const handle = await signIn(victim);
      const thief = fork(victim);
      expect((await victim.refresh()).status).toBe(200);
      expect((await victim.request("GET", "/verify")).status).toBe(200);
      app.clock.advance(GRACE_MS + 1_000);
      expect(await thief.refresh()).toMatchObject({ status: 401, body: { message: "token theft detected" } });
      expect(seen).toEqual([handle]);
      expect(await sessionRow(handle)).toBeNull();
      expect(await victim.refresh()).toMatchObject({ status: 401, body: { message: "unauthorised" } });
    });
  });
});

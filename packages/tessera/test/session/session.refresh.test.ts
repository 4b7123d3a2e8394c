/** The refresh endpoint and token rotation (protocol 1.3, 1.8). */
import { describe, expect, it, vi } from "vitest";
import { getSessionRecipe } from "../../src/recipe/session/recipe.js";
import { accessTokenOf, CLEARED_EVERYWHERE, clearingOf, DAY_MS, decodeFrontToken, decodeJwt, EPOCH, fork, parseSetCookies, REFRESH_PATH, refreshTokenOf, send, sessionRow, sharedApp, sha256, signIn } from "./helpers.js";

describe("refreshing a session", () => {
  const app = sharedApp();

  it("answers 200 {} with a new access token, refresh token cookie and front-token in cookie mode", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c, { payload: { role: "admin" } });
    const [oldAccess, oldRefresh] = [accessTokenOf(c), refreshTokenOf(c)];
    app.clock.advance(60_000);
    const now = app.clock.now();
    const res = await c.refresh();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    expect(res.headers.get("access-control-expose-headers")).toBe("front-token");
    const cookies = res.headers.getSetCookie();
    expect(cookies).toHaveLength(2);
    expect(cookies[1]).toContain(`Path=${REFRESH_PATH}`);
    expect(cookies[1]).toContain(`Expires=${new Date(now + 100 * DAY_MS).toUTCString()}`);
    expect(accessTokenOf(c)).not.toBe(oldAccess);
    expect(refreshTokenOf(c)).not.toBe(oldRefresh);
    const payload = decodeJwt(accessTokenOf(c)).payload;
    expect(payload).toMatchObject({ sub: "user-1", sessionHandle: handle, role: "admin", iat: Math.floor(now / 1000), exp: Math.floor(now / 1000) + 3600 });
    expect(decodeFrontToken(res.headers.get("front-token")!)).toEqual({ uid: "user-1", ate: payload.exp as number * 1000, up: payload });
  });

  it("answers 200 {} with new st-access-token and st-refresh-token headers in header mode", async () => {
    const c = app.client("header");
    await signIn(c);
    const [oldAccess, oldRefresh] = [c.accessToken, c.refreshToken];
    const res = await c.refresh();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get("access-control-expose-headers")).toBe("front-token, st-access-token, st-refresh-token");
    expect(c.accessToken).not.toBe(oldAccess);
    expect(c.refreshToken).not.toBe(oldRefresh);
    expect((await c.request("GET", "/verify")).status).toBe(200);
  });

  it("issues an access token that names the new refresh token and, as its parent, the one just used", async () => {
    const c = app.client("cookie");
    await signIn(c);
    const used = refreshTokenOf(c);
    await c.refresh();
    const payload = decodeJwt(accessTokenOf(c)).payload;
    expect(payload.refreshTokenHash1).toBe(sha256(refreshTokenOf(c)));
    expect(payload.parentRefreshTokenHash1).toBe(sha256(used));
  });

  it("answers the first verify with the new access token with a replacement that has no parentRefreshTokenHash1", async () => {
    const c = app.client("cookie");
    await signIn(c);
    await c.refresh();
    const refreshed = accessTokenOf(c);
    const res = await c.request("GET", "/verify");
    expect(res.status).toBe(200);
    const cookies = res.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatch(/^sAccessToken=/);
    const replacement = decodeJwt(accessTokenOf(c)).payload;
    expect(accessTokenOf(c)).not.toBe(refreshed);
    expect(replacement.parentRefreshTokenHash1).toBeNull();
    expect(replacement.refreshTokenHash1).toBe(decodeJwt(refreshed).payload.refreshTokenHash1);
    expect(decodeFrontToken(res.headers.get("front-token")!).up).toEqual(replacement);
  });

  it("answers later verifies with no new token", async () => {
    const c = app.client("cookie");
    await signIn(c);
    await c.refresh();
    await c.request("GET", "/verify");
    const res = await c.request("GET", "/verify");
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get("front-token")).toBeNull();
    expect(res.headers.get("access-control-expose-headers")).toBeNull();
  });

  it("sends the replacement token in st-access-token in header mode", async () => {
    const c = app.client("header");
    await signIn(c);
    await c.refresh();
    const res = await c.request("GET", "/verify");
    expect(res.status).toBe(200);
    expect(decodeJwt(res.headers.get("st-access-token")!).payload.parentRefreshTokenHash1).toBeNull();
    expect(res.headers.get("st-refresh-token")).toBeNull();
  });

  it("treats a second refresh with the previous token, before the new one was used, as harmless", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c);
    const before = fork(c);
    expect((await c.refresh()).status).toBe(200);
    const again = await before.refresh();
    expect(again).toMatchObject({ status: 200, body: {} });
    expect(await before.request("GET", "/verify")).toMatchObject({ status: 200, body: { handle } });
    expect((await before.refresh()).status).toBe(200);
    expect(await before.request("GET", "/verify")).toMatchObject({ status: 200, body: { handle } });
  });

  it("refreshes with the committed token in one storage call, and reads the session first only for a token that needs more", async () => {
    const c = app.client("header");
    await signIn(c);
    const sessions = getSessionRecipe().state.storage.sessions;
    const spies = [vi.spyOn(sessions, "updateRefreshIfLive"), vi.spyOn(sessions, "get"), vi.spyOn(sessions, "updateRefresh")];
    const calls = () => spies.map((spy) => spy.mock.calls.length);
    try {
      expect((await c.refresh()).status).toBe(200);
      expect(calls()).toEqual([1, 0, 0]);
      // The client now holds the child, not committed yet: the one statement changes nothing and the read path promotes it.
      expect((await c.refresh()).status).toBe(200);
      expect(calls()).toEqual([2, 1, 1]);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it("keeps the handle, the user and the payload across many refreshes", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c, { payload: { plan: "pro" } });
    for (let i = 0; i < 5; i++) {
      app.clock.advance(3600_000);
      expect((await c.refresh()).status).toBe(200);
      expect(await c.request("GET", "/verify")).toMatchObject({ status: 200, body: { userId: "user-1", handle, payload: { plan: "pro" } } });
    }
  });

  it("answers 401 unauthorised and clears everything for a refresh token it never issued, without reporting theft", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c);
    const genuine = refreshTokenOf(c);
    const forged = genuine.slice(0, -2) + (genuine.endsWith("AA") ? "BB" : "AA");
    const res = await send(app.url, "POST", REFRESH_PATH, { cookies: { sRefreshToken: forged }, headers: { rid: "session" } });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ message: "unauthorised" });
    expect(clearingOf(res.headers)).toEqual(CLEARED_EVERYWHERE);
    expect(await c.request("GET", "/verify-db")).toMatchObject({ status: 200, body: { handle } });
    expect((await c.refresh()).status).toBe(200);
  });

  it.each([
    ["a random string", "x".repeat(64)],
    ["10 KiB of A", "A".repeat(10 * 1024)],
  ])("answers 401 unauthorised for %s as the refresh token", async (_name, token) => {
    const res = await send(app.url, "POST", REFRESH_PATH, { headers: { rid: "session", authorization: `Bearer ${token}` } });
    expect(res).toMatchObject({ status: 401, body: { message: "unauthorised" } });
  });

  it("answers 401 unauthorised when the access token is sent as the refresh token", async () => {
    const c = app.client("header");
    const handle = await signIn(c);
    const res = await send(app.url, "POST", REFRESH_PATH, { headers: { rid: "session", authorization: `Bearer ${c.accessToken!}` } });
    expect(res).toMatchObject({ status: 401, body: { message: "unauthorised" } });
    expect(await c.request("GET", "/verify-db")).toMatchObject({ status: 200, body: { handle } });
  });
});

describe("refreshing with duplicate session cookies", () => {
  const app = sharedApp({ session: { olderCookieDomain: "example.com" } });

  // Protocol 1.8 step 1 and section 7 item 17: a request with several sAccessToken cookies (one
  // left over from an older cookieDomain) must clear the olderCookieDomain cookies, not refresh.
  // ENGINE BUG: refreshSessionInRequest never checks for duplicate cookies (olderCookieDomain is unused); it answers 200 {} with new tokens.
  it("clears the olderCookieDomain cookies and answers 200 with the duplicate-cookies message instead of refreshing", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c);
    const access = accessTokenOf(c);
    const refresh = refreshTokenOf(c);
    const res = await fetch(`${app.url}${REFRESH_PATH}`, {
      method: "POST",
      headers: { rid: "session", cookie: `sAccessToken=${access}; sAccessToken=${access}; sRefreshToken=${refresh}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      message: "The request contains multiple session cookies. We are clearing the cookie from olderCookieDomain. Session will be refreshed in the next refresh call.",
    });
    expect(parseSetCookies(res.headers).map((k) => [k.name, k.value, k.domain, k.path, k.expires])).toEqual([
      ["sAccessToken", "", "example.com", "/", EPOCH],
      ["sRefreshToken", "", "example.com", REFRESH_PATH, EPOCH],
    ]);
    expect(res.headers.get("st-access-token")).toBeNull();
    expect((await sessionRow(handle))?.refreshHash2).toBe(sha256(sha256(refresh)));
  });
});

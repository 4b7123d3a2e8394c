/** Anti-CSRF in its three modes (protocol 1.5; security cases SEC-22, SEC-24). */
import { describe, expect, it } from "vitest";
import Session from "../../src/recipe/session/index.js";
import { accessTokenOf, CLEARED_EVERYWHERE, clearingOf, decodeJwt, fork, REFRESH_PATH, refreshTokenOf, send, sessionRow, sharedApp, signIn } from "./helpers.js";

describe("anti-CSRF VIA_CUSTOM_HEADER (the default when the website is on another site, so SameSite is none)", () => {
  const app = sharedApp({ appInfo: { apiDomain: "https://api.example.com", websiteDomain: "https://example.org" } });

  async function cookieSession() {
    const c = app.client("cookie");
    const handle = await signIn(c);
    return { c, handle, cookies: { sAccessToken: c.cookie("sAccessToken")!, sRefreshToken: c.cookie("sRefreshToken")! } };
  }

  it("answers 401 try refresh token to a POST with session cookies and no rid header", async () => {
    const { cookies } = await cookieSession();
    const res = await send(app.url, "POST", "/verify", { cookies });
    expect(res).toMatchObject({ status: 401, body: { message: "try refresh token" } });
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it("passes a POST with session cookies and any rid header", async () => {
    const { cookies, handle } = await cookieSession();
    expect(await send(app.url, "POST", "/verify", { cookies, headers: { rid: "anti-csrf" } })).toMatchObject({ status: 200, body: { handle } });
  });

  it("passes a GET with session cookies and no rid header", async () => {
    const { cookies, handle } = await cookieSession();
    expect(await send(app.url, "GET", "/verify", { cookies })).toMatchObject({ status: 200, body: { handle } });
  });

  it("never checks header mode: a POST with a bearer token and no rid passes", async () => {
    const c = app.client("header");
    const handle = await signIn(c);
    const res = await send(app.url, "POST", "/verify", { headers: { authorization: `Bearer ${c.accessToken!}` } });
    expect(res).toMatchObject({ status: 200, body: { handle } });
  });

  it("refreshes in header mode without a rid header", async () => {
    const c = app.client("header");
    await signIn(c);
    const res = await send(app.url, "POST", REFRESH_PATH, { headers: { authorization: `Bearer ${c.refreshToken!}` } });
    expect(res).toMatchObject({ status: 200, body: {} });
  });

  it("answers 401 unauthorised to a cookie refresh without a rid header and leaves the cookies and the session alone", async () => {
    const { c, handle, cookies } = await cookieSession();
    const before = await sessionRow(handle);
    const res = await send(app.url, "POST", REFRESH_PATH, { cookies });
    expect(res).toMatchObject({ status: 401, body: { message: "unauthorised" } });
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get("front-token")).toBeNull();
    expect(await sessionRow(handle)).toEqual(before);
    expect((await c.refresh()).status).toBe(200);
  });

  it("answers 401 to a sign-out without a rid header and the session stays alive", async () => {
    const { c, handle, cookies } = await cookieSession();
    const res = await send(app.url, "POST", "/auth/signout", { cookies });
    expect(res).toMatchObject({ status: 401, body: { message: "try refresh token" } });
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await Session.getSessionInformation(handle)).toBeDefined();
    expect((await c.request("POST", "/verify-db")).status).toBe(200);
  });
});

describe("anti-CSRF VIA_TOKEN", () => {
  const app = sharedApp({ session: { antiCsrf: "VIA_TOKEN" } });

  it("returns an exposed anti-csrf header at creation in cookie mode, equal to the token's antiCsrfToken", async () => {
    const res = await send(app.url, "POST", "/create", { headers: { "st-auth-mode": "cookie" } });
    const antiCsrf = res.headers.get("anti-csrf");
    expect(antiCsrf).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const access = res.cookies.find((c) => c.name === "sAccessToken")!.value;
    expect(decodeJwt(access).payload.antiCsrfToken).toBe(antiCsrf);
    expect(res.headers.get("access-control-expose-headers")).toBe("front-token, anti-csrf");
  });

  it("returns a new exposed anti-csrf header at refresh in cookie mode, which the replacement token keeps", async () => {
    const c = app.client("cookie");
    await signIn(c);
    const first = c.antiCsrf;
    const res = await c.refresh();
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-expose-headers")).toBe("front-token, anti-csrf");
    expect(c.antiCsrf).not.toBe(first);
    expect(decodeJwt(accessTokenOf(c)).payload.antiCsrfToken).toBe(c.antiCsrf);
    expect((await c.request("POST", "/verify")).status).toBe(200);
    expect(decodeJwt(accessTokenOf(c)).payload).toMatchObject({ parentRefreshTokenHash1: null, antiCsrfToken: c.antiCsrf });
  });

  it("creates header-mode sessions without anti-CSRF", async () => {
    const res = await send(app.url, "POST", "/create", { headers: { "st-auth-mode": "header" } });
    expect(res.headers.get("anti-csrf")).toBeNull();
    expect(decodeJwt(res.headers.get("st-access-token")!).payload.antiCsrfToken).toBeNull();
    expect(res.headers.get("access-control-expose-headers")).toBe("front-token, st-access-token, st-refresh-token");
  });

  it("passes a POST with the right anti-csrf header", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c);
    expect(await c.request("POST", "/verify")).toMatchObject({ status: 200, body: { handle } });
  });

  it.each([
    ["no", undefined],
    ["a wrong", "wrong-token"],
  ])("answers 401 try refresh token to a POST with %s anti-csrf header", async (_name, value) => {
    const c = app.client("cookie");
    await signIn(c);
    const res = await send(app.url, "POST", "/verify", { cookies: { sAccessToken: accessTokenOf(c) }, headers: { rid: "anti-csrf", ...(value ? { "anti-csrf": value } : {}) } });
    expect(res).toMatchObject({ status: 401, body: { message: "try refresh token" } });
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it("passes a GET without the anti-csrf header", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c);
    expect(await send(app.url, "GET", "/verify", { cookies: { sAccessToken: accessTokenOf(c) } })).toMatchObject({ status: 200, body: { handle } });
  });

  it.each([
    ["no", undefined],
    ["a wrong", "wrong-token"],
  ])("answers 401 unauthorised to a refresh with %s anti-csrf header and does not clear the cookies", async (_name, value) => {
    const c = app.client("cookie");
    const handle = await signIn(c);
    const before = await sessionRow(handle);
    const res = await send(app.url, "POST", REFRESH_PATH, { cookies: { sRefreshToken: refreshTokenOf(c) }, headers: { rid: "session", ...(value ? { "anti-csrf": value } : {}) } });
    expect(res).toMatchObject({ status: 401, body: { message: "unauthorised" } });
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get("front-token")).toBeNull();
    expect(await sessionRow(handle)).toEqual(before);
    expect((await c.refresh()).status).toBe(200);
  });

  it("never checks header mode: a POST and a refresh with bearer tokens and no anti-csrf header pass", async () => {
    const c = app.client("header");
    const handle = await signIn(c);
    expect(await send(app.url, "POST", "/verify", { headers: { authorization: `Bearer ${c.accessToken!}` } })).toMatchObject({ status: 200, body: { handle } });
    expect(await send(app.url, "POST", REFRESH_PATH, { headers: { authorization: `Bearer ${c.refreshToken!}`, rid: "session" } })).toMatchObject({ status: 200, body: {} });
  });

  it("sends no anti-csrf header with a theft response", async () => {
    const c = app.client("cookie");
    await signIn(c);
    const thief = fork(c);
    await c.refresh();
    await c.request("POST", "/verify");
    app.clock.advance(60_000);
    const res = await thief.refresh();
    expect(res).toMatchObject({ status: 401, body: { message: "token theft detected" } });
    expect(clearingOf(res.headers)).toEqual(CLEARED_EVERYWHERE);
  });
});

describe("anti-CSRF NONE (the default when the website is on the same site)", () => {
  const app = sharedApp();

  it("passes a POST with session cookies and neither rid nor anti-csrf", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c);
    expect(c.antiCsrf).toBeUndefined();
    expect(await send(app.url, "POST", "/verify", { cookies: { sAccessToken: accessTokenOf(c) } })).toMatchObject({ status: 200, body: { handle } });
  });

  it("refreshes with a cookie and neither rid nor anti-csrf", async () => {
    const c = app.client("cookie");
    await signIn(c);
    expect(await send(app.url, "POST", REFRESH_PATH, { cookies: { sRefreshToken: refreshTokenOf(c) } })).toMatchObject({ status: 200, body: {} });
  });

  it("does not serve GET on the refresh and sign-out endpoints", async () => {
    const c = app.client("cookie");
    await signIn(c);
    expect((await send(app.url, "GET", REFRESH_PATH, { cookies: { sRefreshToken: refreshTokenOf(c) } })).status).toBe(404);
    expect((await send(app.url, "GET", "/auth/signout", { cookies: { sAccessToken: accessTokenOf(c) } })).status).toBe(404);
  });
});

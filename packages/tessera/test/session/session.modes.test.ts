/** Cookie mode or header mode: the transfer-method tables of protocol 1.7 for create, verify and refresh. */
import { describe, expect, it } from "vitest";
import type { TokenTransferMethod } from "../../src/recipe/session/types.js";
import { CLEARED_EVERYWHERE, clearingOf, decodeFrontToken, decodeJwt, EPOCH, exposedHeaders, REFRESH_PATH, send, setCookieSummary, sharedApp, signIn } from "./helpers.js";

/** The app's getTokenTransferMethod answers what the test puts in `x-method` (default "any"). */
const app = sharedApp({
  session: {
    getTokenTransferMethod: ({ req }) => (req.getHeader("x-method") ?? "any") as TokenTransferMethod | "any",
  },
});

/** A cookie-mode session for user-a and a header-mode session for user-b, as raw tokens. */
async function twoSessions() {
  const a = app.client("cookie");
  await signIn(a, { userId: "user-a" });
  const b = app.client("header");
  await signIn(b, { userId: "user-b" });
  return {
    cookies: { sAccessToken: a.cookie("sAccessToken")!, sRefreshToken: a.cookie("sRefreshToken")! },
    bearerAccess: `Bearer ${b.accessToken!}`,
    bearerRefresh: `Bearer ${b.refreshToken!}`,
  };
}

/** A JWT an app issues for its own purposes: not shaped like a session token. */
const FOREIGN_JWT = [
  Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url"),
  Buffer.from(JSON.stringify({ sub: "someone", scope: "api" })).toString("base64url"),
  "c2lnbmF0dXJl",
].join(".");

describe("choosing the transfer method at session creation", () => {
  it("gives header tokens to a client that sends no st-auth-mode", async () => {
    const res = await send(app.url, "POST", "/create");
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get("st-access-token")).not.toBeNull();
    expect(res.headers.get("st-refresh-token")).not.toBeNull();
  });

  it("gives header tokens for an unrecognised st-auth-mode value", async () => {
    const res = await send(app.url, "POST", "/create", { headers: { "st-auth-mode": "banana" } });
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get("st-access-token")).not.toBeNull();
  });

  it("reads st-auth-mode case-insensitively", async () => {
    const res = await send(app.url, "POST", "/create", { headers: { "st-auth-mode": "COOKIE" } });
    expect(res.cookies.map((c) => c.name)).toEqual(["sAccessToken", "sRefreshToken"]);
    expect(res.headers.get("st-access-token")).toBeNull();
  });

  it('uses cookies when getTokenTransferMethod answers "cookie", whatever st-auth-mode says', async () => {
    const res = await send(app.url, "POST", "/create", { headers: { "st-auth-mode": "header", "x-method": "cookie" } });
    expect(res.cookies.map((c) => c.name)).toEqual(["sAccessToken", "sRefreshToken"]);
    expect(res.headers.get("st-access-token")).toBeNull();
  });

  it('uses headers when getTokenTransferMethod answers "header", whatever st-auth-mode says', async () => {
    const res = await send(app.url, "POST", "/create", { headers: { "st-auth-mode": "cookie", "x-method": "header" } });
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get("st-access-token")).not.toBeNull();
  });

  it("clears header tokens the request carried when it creates a cookie-mode session", async () => {
    const { bearerAccess } = await twoSessions();
    const res = await send(app.url, "POST", "/create", { headers: { "st-auth-mode": "cookie", authorization: bearerAccess } });
    expect(res.status).toBe(200);
    expect(res.headers.get("st-access-token")).toBe("");
    expect(res.headers.get("st-refresh-token")).toBe("");
    expect(res.cookies.map((c) => [c.name, c.value === ""])).toEqual([
      ["sAccessToken", false],
      ["sRefreshToken", false],
    ]);
    expect(decodeFrontToken(res.headers.get("front-token")!).uid).toBe("user-1");
    expect(exposedHeaders(res.headers)).toEqual(["front-token", "st-access-token", "st-refresh-token"]);
  });

  it("clears cookie tokens the request carried when it creates a header-mode session", async () => {
    const { cookies } = await twoSessions();
    const res = await send(app.url, "POST", "/create", { headers: { "st-auth-mode": "header" }, cookies });
    expect(res.status).toBe(200);
    expect(setCookieSummary(res.headers)).toEqual([
      { name: "sAccessToken", value: "", path: "/", expires: EPOCH },
      { name: "sRefreshToken", value: "", path: REFRESH_PATH, expires: EPOCH },
    ]);
    expect(decodeJwt(res.headers.get("st-access-token")!).payload.sub).toBe("user-1");
    expect(decodeFrontToken(res.headers.get("front-token")!).uid).toBe("user-1");
  });
});

describe("which token verifySession uses", () => {
  it('uses the header token when both are sent and the method is "any"', async () => {
    const { cookies, bearerAccess } = await twoSessions();
    const res = await send(app.url, "GET", "/verify", { cookies, headers: { authorization: bearerAccess } });
    expect(res).toMatchObject({ status: 200, body: { userId: "user-b" } });
  });

  it('uses the header token when both are sent and the method is "header"', async () => {
    const { cookies, bearerAccess } = await twoSessions();
    const res = await send(app.url, "GET", "/verify", { cookies, headers: { authorization: bearerAccess, "x-method": "header" } });
    expect(res).toMatchObject({ status: 200, body: { userId: "user-b" } });
  });

  it('uses the cookie when both are sent and the method is "cookie"', async () => {
    const { cookies, bearerAccess } = await twoSessions();
    const res = await send(app.url, "GET", "/verify", { cookies, headers: { authorization: bearerAccess, "x-method": "cookie" } });
    expect(res).toMatchObject({ status: 200, body: { userId: "user-a" } });
  });

  it('treats a cookie as no token when the method is "header": 401 unauthorised without clearing', async () => {
    const { cookies } = await twoSessions();
    const res = await send(app.url, "GET", "/verify", { cookies, headers: { "x-method": "header" } });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ message: "unauthorised" });
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get("front-token")).toBeNull();
  });

  it('treats a bearer token as no token when the method is "cookie"', async () => {
    const { bearerAccess } = await twoSessions();
    const res = await send(app.url, "GET", "/verify", { headers: { authorization: bearerAccess, "x-method": "cookie" } });
    expect(res).toMatchObject({ status: 401, body: { message: "unauthorised" } });
  });

  it("runs a sessionRequired:false handler without a session when the only token is in a disallowed method", async () => {
    const { cookies } = await twoSessions();
    const res = await send(app.url, "GET", "/optional", { cookies, headers: { "x-method": "header" } });
    expect(res).toMatchObject({ status: 200, body: { hasSession: false } });
  });

  it("answers 401 unauthorised without clearing when no token is sent, and runs a sessionRequired:false handler without a session", async () => {
    const none = await send(app.url, "GET", "/verify");
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ message: "unauthorised" });
    expect(none.headers.getSetCookie()).toEqual([]);
    expect(none.headers.get("front-token")).toBeNull();
    expect(await send(app.url, "GET", "/optional")).toMatchObject({ status: 200, body: { hasSession: false } });
  });

  it("answers 401 try refresh token for an expired token even with sessionRequired:false", async () => {
    const c = app.client("cookie");
    await signIn(c);
    app.clock.advance(3600_000);
    expect(await c.request("GET", "/optional")).toMatchObject({ status: 401, body: { message: "try refresh token" } });
  });

  it("ignores a bearer JWT that is not a tessera token and uses the cookie", async () => {
    const { cookies } = await twoSessions();
    const res = await send(app.url, "GET", "/verify", { cookies, headers: { authorization: `Bearer ${FOREIGN_JWT}` } });
    expect(res).toMatchObject({ status: 200, body: { userId: "user-a" } });
  });

  it("answers 401 unauthorised for a foreign bearer JWT when there is no cookie", async () => {
    const res = await send(app.url, "GET", "/verify", { headers: { authorization: `Bearer ${FOREIGN_JWT}` } });
    expect(res).toMatchObject({ status: 401, body: { message: "unauthorised" } });
  });

  it("answers 401 unauthorised without clearing for an access-token cookie that cannot be parsed", async () => {
    const res = await send(app.url, "GET", "/verify", { cookies: { sAccessToken: "not-a-jwt" } });
    expect(res).toMatchObject({ status: 401, body: { message: "unauthorised" } });
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it("answers 401 try refresh token when the request carries two sAccessToken cookies in cookie mode", async () => {
    const { cookies } = await twoSessions();
    const res = await fetch(`${app.url}/verify`, { headers: { cookie: `sAccessToken=${cookies.sAccessToken}; sAccessToken=${cookies.sAccessToken}` } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: "try refresh token" });
  });

  it("accepts a header-mode token even when the request also carries two sAccessToken cookies", async () => {
    const { cookies, bearerAccess } = await twoSessions();
    const res = await fetch(`${app.url}/verify`, { headers: { authorization: bearerAccess, cookie: `sAccessToken=${cookies.sAccessToken}; sAccessToken=${cookies.sAccessToken}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ userId: "user-b" });
  });

  it("answers 401 try refresh token while a legacy sIdRefreshToken cookie is present", async () => {
    const { cookies } = await twoSessions();
    const res = await send(app.url, "GET", "/verify", { cookies: { ...cookies, sIdRefreshToken: "legacy" } });
    expect(res).toMatchObject({ status: 401, body: { message: "try refresh token" } });
  });
});

describe("which token the refresh endpoint uses", () => {
  it('refreshes with the header token when both are sent and the method is "any": new tokens in headers, cookies cleared', async () => {
    const { cookies, bearerRefresh } = await twoSessions();
    const res = await send(app.url, "POST", REFRESH_PATH, { cookies, headers: { authorization: bearerRefresh, rid: "session" } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    expect(decodeJwt(res.headers.get("st-access-token")!).payload.sub).toBe("user-b");
    expect(res.headers.get("st-refresh-token")).toMatch(/^v1\./);
    expect(decodeFrontToken(res.headers.get("front-token")!).uid).toBe("user-b");
    expect(setCookieSummary(res.headers)).toEqual([
      { name: "sAccessToken", value: "", path: "/", expires: EPOCH },
      { name: "sRefreshToken", value: "", path: REFRESH_PATH, expires: EPOCH },
    ]);
  });

  it('refreshes with the cookie when both are sent and the method is "cookie": new cookies, header tokens cleared', async () => {
    const { cookies, bearerRefresh } = await twoSessions();
    const res = await send(app.url, "POST", REFRESH_PATH, { cookies, headers: { authorization: bearerRefresh, rid: "session", "x-method": "cookie" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("st-access-token")).toBe("");
    expect(res.headers.get("st-refresh-token")).toBe("");
    const summary = setCookieSummary(res.headers);
    expect(summary.map((c) => c.name)).toEqual(["sAccessToken", "sRefreshToken"]);
    expect(decodeJwt(summary[0]!.value).payload.sub).toBe("user-a");
    expect(decodeFrontToken(res.headers.get("front-token")!).uid).toBe("user-a");
  });

  it("answers 401 unauthorised and clears every transfer method when no refresh token is sent", async () => {
    const res = await send(app.url, "POST", REFRESH_PATH, { headers: { rid: "session" } });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ message: "unauthorised" });
    expect(clearingOf(res.headers)).toEqual(CLEARED_EVERYWHERE);
    expect(exposedHeaders(res.headers)).toEqual(["front-token", "st-access-token", "st-refresh-token"]);
  });

  it('answers 401 unauthorised and clears everything when the method is "header" and only a cookie is sent', async () => {
    const { cookies } = await twoSessions();
    const res = await send(app.url, "POST", REFRESH_PATH, { cookies, headers: { rid: "session", "x-method": "header" } });
    expect(res).toMatchObject({ status: 401, body: { message: "unauthorised" } });
    expect(clearingOf(res.headers)).toEqual({
      ...CLEARED_EVERYWHERE,
      cookies: [{ name: "sIdRefreshToken", value: "", path: REFRESH_PATH, expires: EPOCH }, ...CLEARED_EVERYWHERE.cookies],
    });
  });

  it("clears both tokens and the legacy sIdRefreshToken when a refresh carries an access-token cookie but no refresh token", async () => {
    const { cookies } = await twoSessions();
    const res = await send(app.url, "POST", REFRESH_PATH, { cookies: { sAccessToken: cookies.sAccessToken }, headers: { rid: "session" } });
    expect(res).toMatchObject({ status: 401, body: { message: "unauthorised" } });
    expect(setCookieSummary(res.headers)).toEqual([
      { name: "sIdRefreshToken", value: "", path: REFRESH_PATH, expires: EPOCH },
      { name: "sAccessToken", value: "", path: "/", expires: EPOCH },
      { name: "sRefreshToken", value: "", path: REFRESH_PATH, expires: EPOCH },
    ]);
    expect(res.headers.get("front-token")).toBe("remove");
  });
});

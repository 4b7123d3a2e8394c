/** Session creation over HTTP: where the tokens go, cookie attributes, the front-token (protocol 1.1–1.6). */
import { describe, expect, it } from "vitest";
import Session from "../../src/recipe/session/index.js";
import { accessTokenOf, CLEARED_EVERYWHERE, clearingOf, cookieIn, DAY_MS, decodeFrontToken, decodeJwt, parseSetCookies, REFRESH_PATH, refreshTokenOf, send, sessionRow, sharedApp, sha256, signIn, STANDARD_KEYS, YEAR_MS } from "./helpers.js";

describe("session creation", () => {
  const app = sharedApp({
    routes: (a) => {
      a.post("/create-then-fail", async (req, res) => {
        await Session.createNewSession(req, res, "public", "user-1");
        throw new Session.Error({ type: "UNAUTHORISED", clearTokens: true }, "the handler gave up after creating the session");
      });
    },
  });

  it("sets sAccessToken on path / and sRefreshToken on the refresh path, both HttpOnly, SameSite=Lax, host-only and not Secure over http", async () => {
    const now = app.clock.now();
    const res = await send(app.url, "POST", "/create", { headers: { "st-auth-mode": "cookie" } });
    expect(res.status).toBe(200);
    expect(res.cookies.map((c) => c.name)).toEqual(["sAccessToken", "sRefreshToken"]);
    const [access, refresh] = res.cookies;
    expect(access).toMatchObject({ path: "/", domain: undefined, httpOnly: true, secure: false, sameSite: "Lax", expires: new Date(now + YEAR_MS).toUTCString() });
    expect(refresh).toMatchObject({ path: REFRESH_PATH, domain: undefined, httpOnly: true, secure: false, sameSite: "Lax", expires: new Date(now + 100 * DAY_MS).toUTCString() });
    expect(res.headers.get("st-access-token")).toBeNull();
    expect(res.headers.get("st-refresh-token")).toBeNull();
    expect(res.headers.get("anti-csrf")).toBeNull();
    expect(res.headers.get("access-control-expose-headers")).toBe("front-token");
  });

  it("sends st-access-token and st-refresh-token headers and no cookies in header mode, and exposes them", async () => {
    const res = await send(app.url, "POST", "/create", { headers: { "st-auth-mode": "header" } });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(decodeJwt(res.headers.get("st-access-token")!).payload.sub).toBe("user-1");
    expect(res.headers.get("st-refresh-token")).toMatch(/^v1\./);
    expect(res.headers.get("front-token")).not.toBeNull();
    expect(res.headers.get("access-control-expose-headers")).toBe("front-token, st-access-token, st-refresh-token");
  });

  it.each(["cookie", "header"] as const)("sends a front-token {uid, ate, up} whose up is the whole access-token payload with exactly the 10 standard keys (%s mode)", async (mode) => {
    const now = app.clock.now();
    const c = app.client(mode);
    const handle = await signIn(c);
    const front = decodeFrontToken(c.frontToken!);
    const { header, payload } = decodeJwt(accessTokenOf(c));
    expect(Object.keys(front).sort()).toEqual(["ate", "uid", "up"]);
    expect(front.uid).toBe("user-1");
    expect(front.ate).toBe(now + 3600_000);
    expect(front.up).toEqual(payload);
    expect(Object.keys(front.up).sort()).toEqual(STANDARD_KEYS);
    expect(payload).toEqual({
      sub: "user-1",
      rsub: "user-1",
      exp: Math.floor(now / 1000) + 3600,
      iat: Math.floor(now / 1000),
      sessionHandle: handle,
      refreshTokenHash1: sha256(refreshTokenOf(c)),
      parentRefreshTokenHash1: null,
      antiCsrfToken: null,
      tId: "public",
      iss: "http://127.0.0.1/auth",
    });
    expect(header).toMatchObject({ alg: "RS256", typ: "JWT", version: "5" });
    expect(header.kid).toMatch(/^d-/);
  });

  it("encodes the front-token in standard base64 so non-ASCII payload values survive", async () => {
    const c = app.client("cookie");
    await signIn(c, { payload: { name: "Zoë 東京 ✓" } });
    expect(c.frontToken).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(decodeFrontToken(c.frontToken!).up.name).toBe("Zoë 東京 ✓");
  });

  it("puts the user payload beside the 10 standard keys", async () => {
    const c = app.client("cookie");
    await signIn(c, { payload: { role: "admin", n: 1 } });
    const up = c.frontPayload()!;
    expect(Object.keys(up).sort()).toEqual([...STANDARD_KEYS, "n", "role"].sort());
    expect(up).toMatchObject({ role: "admin", n: 1 });
  });

  it("silently drops protected fields from the creation payload", async () => {
    const now = app.clock.now();
    const c = app.client("cookie");
    const handle = await signIn(c, { payload: { sub: "evil", exp: 1, sessionHandle: "x", tId: "other", rsub: "evil", keep: true } });
    expect(decodeJwt(accessTokenOf(c)).payload).toMatchObject({ sub: "user-1", rsub: "user-1", exp: Math.floor(now / 1000) + 3600, sessionHandle: handle, tId: "public", keep: true });
  });

  it("gives a new session its own handle even when the request carries another session's planted cookies", async () => {
    const attacker = app.client("cookie");
    const planted = await signIn(attacker, { userId: "user-2" });
    const victim = app.client("cookie");
    victim.cookies = new Map(attacker.cookies);
    const fresh = await signIn(victim, { userId: "user-1" });
    expect(fresh).not.toBe(planted);
    expect(decodeJwt(accessTokenOf(victim)).payload).toMatchObject({ sub: "user-1", sessionHandle: fresh });
  });

  it("clears the cookies it had just set when the handler then fails with an unauthorised session error", async () => {
    const res = await send(app.url, "POST", "/create-then-fail", { headers: { "st-auth-mode": "cookie" } });
    expect(res).toMatchObject({ status: 401, body: { message: "unauthorised" } });
    expect(clearingOf(res.headers)).toEqual(CLEARED_EVERYWHERE);
  });

  it.each(["cookie", "header"] as const)("lets a session be created, verified, refreshed and signed out (%s mode)", async (mode) => {
    const c = app.client(mode);
    const handle = await signIn(c);
    expect(await c.request("GET", "/verify")).toMatchObject({ status: 200, body: { userId: "user-1", handle } });
    app.clock.advance(3600_000);
    expect(await c.request("GET", "/verify")).toMatchObject({ status: 401, body: { message: "try refresh token" } });
    expect(await c.refresh()).toMatchObject({ status: 200, body: {} });
    expect(await c.request("GET", "/verify")).toMatchObject({ status: 200, body: { userId: "user-1", handle } });
    expect(await c.request("POST", "/auth/signout")).toMatchObject({ status: 200, body: { status: "OK" } });
    expect(await c.request("GET", "/verify")).toMatchObject({ status: 401, body: { message: "unauthorised" } });
  });
});

// Issue 2, found in review (SEC-54): an access token too large for a cookie was set anyway, and
// browsers drop such a cookie, so the session silently vanished on the next request.
describe("an access token too large for a cookie", () => {
  const app = sharedApp();
  const big = { notes: "x".repeat(5000) };

  it("fails the creation loudly in cookie mode, naming the size and what to do, and sets no token cookie", async () => {
    const before = await Session.getAllSessionHandlesForUser("user-big");
    const res = await app.client("cookie").request("POST", "/create", { body: { userId: "user-big", payload: big } });
    expect(res.status).toBe(500);
    expect(String(res.body?.escaped)).toMatch(/sAccessToken cookie would be \d+ bytes; browsers drop a cookie over 4096.*header mode/);
    expect(res.headers.getSetCookie().filter((c) => c.startsWith("sAccessToken=") && !c.startsWith("sAccessToken=;"))).toEqual([]);
    // Found by a new-user trial: the session whose tokens could not be delivered stayed in storage.
    expect(await Session.getAllSessionHandlesForUser("user-big")).toEqual(before);
  });

  it("signs the client out at refresh, once an offline payload change has made the cookie too large", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c, { userId: "user-grown" });
    expect(await Session.mergeIntoAccessTokenPayload(handle, big)).toBe(true);
    const errors: unknown[][] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      // Before the fix this answered 500 at every refresh, and the user could never get out of it.
      const res = await c.refresh();
      expect(res).toMatchObject({ status: 401, body: { message: "unauthorised" } });
      expect(clearingOf(res.headers)).toEqual(CLEARED_EVERYWHERE);
    } finally {
      console.error = original;
    }
    expect(String(errors[0]?.[0])).toMatch(/session .* revoked at refresh: The sAccessToken cookie would be \d+ bytes/);
    expect(await sessionRow(handle)).toBeNull();
    expect(await c.refresh()).toMatchObject({ status: 401, body: { message: "unauthorised" } });
  });

  it("works in header mode, where no cookie limit applies", async () => {
    const c = app.client("header");
    const res = await c.request("POST", "/create", { body: { payload: big } });
    expect(res.status).toBe(200);
    expect((await c.request("GET", "/verify")).status).toBe(200);
  });

  it("control: a payload that keeps the cookie under 4096 bytes is set as usual", async () => {
    const c = app.client("cookie");
    expect((await c.request("POST", "/create", { body: { payload: { notes: "x".repeat(2000) } } })).status).toBe(200);
    expect((await c.request("GET", "/verify")).status).toBe(200);
  });
});

describe("session creation over https", () => {
  const app = sharedApp({ appInfo: { apiDomain: "https://api.example.com", websiteDomain: "https://example.com" } });

  it("marks both cookies Secure when apiDomain is https", async () => {
    const res = await send(app.url, "POST", "/create", { headers: { "st-auth-mode": "cookie" } });
    expect(res.status).toBe(200);
    expect(res.cookies.map((c) => [c.name, c.secure, c.sameSite])).toEqual([
      ["sAccessToken", true, "Lax"],
      ["sRefreshToken", true, "Lax"],
    ]);
  });
});

describe("session creation for a website on another site", () => {
  const app = sharedApp({ appInfo: { apiDomain: "https://api.example.com", websiteDomain: "https://example.org" } });

  it("uses SameSite=None with Secure", async () => {
    const res = await send(app.url, "POST", "/create", { headers: { "st-auth-mode": "cookie", rid: "session" } });
    expect(res.status).toBe(200);
    expect(res.cookies.map((c) => [c.name, c.secure, c.sameSite])).toEqual([
      ["sAccessToken", true, "None"],
      ["sRefreshToken", true, "None"],
    ]);
  });
});

describe("session creation for a website on another site over http", () => {
  const app = sharedApp({ appInfo: { apiDomain: "http://api.example.com", websiteDomain: "http://example.org" } });

  it("refuses to create a cookie-mode session whose cookies would be SameSite=None without Secure, and sets no cookie", async () => {
    const res = await send(app.url, "POST", "/create", { headers: { "st-auth-mode": "cookie", rid: "session" } });
    expect(res.status).toBe(500);
    expect(String(res.body?.escaped)).toContain('cookieSameSite is "none" but cookieSecure is false');
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it("still creates header-mode sessions, which carry no cookie", async () => {
    const res = await send(app.url, "POST", "/create", { headers: { "st-auth-mode": "header" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("st-access-token")).not.toBeNull();
  });
});

describe("session creation with configured cookies", () => {
  const app = sharedApp({ session: { cookieDomain: "example.com", cookieSameSite: "strict", accessTokenPath: "/api", exposeAccessTokenToFrontendInCookieBasedAuth: true } });

  it("sets Domain, SameSite and the access-token path as configured, the refresh path unchanged", async () => {
    const res = await send(app.url, "POST", "/create", { headers: { "st-auth-mode": "cookie" } });
    expect(parseSetCookies(res.headers).map((c) => [c.name, c.domain, c.path, c.sameSite])).toEqual([
      ["sAccessToken", "example.com", "/api", "Strict"],
      ["sRefreshToken", "example.com", REFRESH_PATH, "Strict"],
    ]);
  });

  it("also sends the access token in an exposed st-access-token header in cookie mode when exposeAccessTokenToFrontendInCookieBasedAuth is on", async () => {
    const res = await send(app.url, "POST", "/create", { headers: { "st-auth-mode": "cookie" } });
    expect(res.headers.get("st-access-token")).toBe(cookieIn(res.headers, "sAccessToken")!.value);
    expect(res.headers.get("st-refresh-token")).toBeNull();
    expect(res.headers.get("access-control-expose-headers")).toBe("front-token, st-access-token");
  });
});

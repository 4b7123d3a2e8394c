/** Expiry on the injected clock: access-token exp, inactivity limit, absolute lifetime (SEC-11, SEC-13). */
import { describe, expect, it } from "vitest";
import Session from "../../src/recipe/session/index.js";
import { accessTokenOf, CLEARED_EVERYWHERE, clearingOf, cookieIn, decodeJwt, sessionRow, sharedApp, signIn } from "./helpers.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Short access tokens, 30 min inactivity and a 12 h absolute limit: the AAL2 profile of SEC-13. */
const app = sharedApp({ session: { accessTokenValidity: 300, refreshTokenValidity: 1800, sessionMaxLifetime: 12 * 3600 } });

describe("access-token expiry", () => {
  it.each(["cookie", "header"] as const)("accepts the access token at exp − 1 s and answers 401 try refresh token at exp (%s mode)", async (mode) => {
    const c = app.client(mode);
    await signIn(c);
    const exp = decodeJwt(accessTokenOf(c)).payload.exp as number;
    app.clock.set(exp * 1000 - 1000);
    expect((await c.request("GET", "/verify")).status).toBe(200);
    app.clock.advance(1000);
    const res = await c.request("GET", "/verify");
    expect(res).toMatchObject({ status: 401, body: { message: "try refresh token" } });
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get("front-token")).toBeNull();
  });

  it("gives a working access token again after a refresh once the old one expired", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c);
    app.clock.advance(10 * MINUTE);
    expect((await c.request("GET", "/verify")).status).toBe(401);
    expect((await c.refresh()).status).toBe(200);
    expect(await c.request("GET", "/verify")).toMatchObject({ status: 200, body: { handle } });
  });
});

describe("inactivity limit (refreshTokenValidity)", () => {
  it("sets the refresh cookie to expire at the inactivity limit", async () => {
    const now = app.clock.now();
    const c = app.client("cookie");
    await signIn(c);
    const res = await c.refresh();
    expect(cookieIn(res.headers, "sRefreshToken")!.expires).toBe(new Date(now + 30 * MINUTE).toUTCString());
  });

  it("refreshes a session idle for just under refreshTokenValidity, and each refresh moves the limit forward", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c);
    for (let i = 0; i < 3; i++) {
      app.clock.advance(30 * MINUTE - 1000);
      expect((await c.refresh()).status).toBe(200);
    }
    expect(await c.request("GET", "/verify-db")).toMatchObject({ status: 200, body: { handle } });
  });

  it("answers 401 unauthorised with clearing to a refresh after the session was idle for refreshTokenValidity, and removes the session row", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c);
    app.clock.advance(30 * MINUTE);
    const res = await c.refresh();
    expect(res).toMatchObject({ status: 401, body: { message: "unauthorised" } });
    expect(clearingOf(res.headers)).toEqual(CLEARED_EVERYWHERE);
    expect(await sessionRow(handle)).toBeNull();
    expect(await Session.getSessionInformation(handle)).toBeUndefined();
  });
});

/**
 * Signs in, then refreshes and uses the new access token every 25 min while that stays inside the
 * 12 h limit. Using it commits the new refresh token, so the client ends holding the committed one.
 */
async function keepAliveNearTheLimit() {
  const start = app.clock.now();
  const c = app.client("cookie");
  const handle = await signIn(c);
  while (app.clock.now() + 25 * MINUTE < start + 12 * HOUR) {
    app.clock.advance(25 * MINUTE);
    expect((await c.refresh()).status).toBe(200);
    expect((await c.request("GET", "/verify")).status).toBe(200);
  }
  return { start, c, handle };
}

describe("absolute lifetime (sessionMaxLifetime)", () => {
  it("keeps a session refreshed every 25 min alive until 12 h, then answers 401 unauthorised with clearing and removes the row", async () => {
    const { start, c, handle } = await keepAliveNearTheLimit();
    app.clock.set(start + 12 * HOUR - 1000);
    expect((await c.refresh()).status).toBe(200);
    app.clock.set(start + 12 * HOUR + 1000);
    const res = await c.refresh();
    expect(res).toMatchObject({ status: 401, body: { message: "unauthorised" } });
    expect(clearingOf(res.headers)).toEqual(CLEARED_EVERYWHERE);
    expect(await sessionRow(handle)).toBeNull();
  });

  it("caps a refresh with the committed token at the absolute limit too, in the cookie and the stored row", async () => {
    const { start, c, handle } = await keepAliveNearTheLimit();
    app.clock.advance(10 * MINUTE);
    expect(app.clock.now()).toBe(start + 12 * HOUR - 10 * MINUTE);
    const res = await c.refresh();
    expect(res.status).toBe(200);
    expect(cookieIn(res.headers, "sRefreshToken")!.expires).toBe(new Date(start + 12 * HOUR).toUTCString());
    expect((await sessionRow(handle))?.expiresAt).toBe(start + 12 * HOUR);
  });

  it("never lets the refresh cookie outlive the absolute limit", async () => {
    const start = app.clock.now();
    const c = app.client("cookie");
    await signIn(c);
    let last: Headers | undefined;
    while (app.clock.now() + 25 * MINUTE < start + 12 * HOUR) {
      app.clock.advance(25 * MINUTE);
      last = (await c.refresh()).headers;
    }
    expect(app.clock.now()).toBe(start + 700 * MINUTE);
    expect(cookieIn(last!, "sRefreshToken")!.expires).toBe(new Date(start + 12 * HOUR).toUTCString());
  });
});

/** Sign-out and revocation, with and without checkDatabase (protocol 3; security case SEC-20). */
import { describe, expect, it } from "vitest";
import Session from "../../src/recipe/session/index.js";
import { BooleanClaim } from "../../src/recipe/session/claims/index.js";
import { accessTokenOf, CLEARED_EVERYWHERE, clearingOf, decodeJwt, EPOCH, fork, REFRESH_PATH, sessionRow, setCookieSummary, sharedApp, signIn } from "./helpers.js";

/** Only the user "mfa-pending" has a global validator, and it always fails. */
const MfaDone = new BooleanClaim({ key: "mfa-done", fetchValue: () => false });
const app = sharedApp({
  session: {
    override: {
      functions: (original) => ({
        ...original,
        getGlobalClaimValidators: (input) => (input.userId === "mfa-pending" ? [MfaDone.validators.isTrue()] : input.claimValidatorsAddedByOtherRecipes),
      }),
    },
  },
});

describe("sign-out and revocation", () => {
  it("answers POST /auth/signout with 200 {status: OK}, empties both cookies and removes the session (cookie mode)", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c);
    const res = await c.request("POST", "/auth/signout");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "OK" });
    expect(setCookieSummary(res.headers)).toEqual([
      { name: "sAccessToken", value: "", path: "/", expires: EPOCH },
      { name: "sRefreshToken", value: "", path: REFRESH_PATH, expires: EPOCH },
    ]);
    expect(res.headers.get("front-token")).toBe("remove");
    expect(await sessionRow(handle)).toBeNull();
  });

  it("answers POST /auth/signout with 200 {status: OK} and empty st-access-token and st-refresh-token headers (header mode)", async () => {
    const c = app.client("header");
    const handle = await signIn(c);
    const res = await c.request("POST", "/auth/signout");
    expect(res).toMatchObject({ status: 200, body: { status: "OK" } });
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get("st-access-token")).toBe("");
    expect(res.headers.get("st-refresh-token")).toBe("");
    expect(res.headers.get("front-token")).toBe("remove");
    expect(await sessionRow(handle)).toBeNull();
  });

  it("refuses the signed-out session's refresh token with 401 unauthorised", async () => {
    const c = app.client("cookie");
    await signIn(c);
    const copy = fork(c);
    await c.request("POST", "/auth/signout");
    expect(await copy.refresh()).toMatchObject({ status: 401, body: { message: "unauthorised" } });
    expect(await copy.request("GET", "/verify-db")).toMatchObject({ status: 401, body: { message: "unauthorised" } });
  });

  it("answers 401 unauthorised to a sign-out without a session", async () => {
    const c = app.client("cookie");
    expect(await c.request("POST", "/auth/signout")).toMatchObject({ status: 401, body: { message: "unauthorised" } });
  });

  it("rejects a revoked session at once under checkDatabase: 401 unauthorised with clearing", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c);
    expect((await c.request("GET", "/verify-db")).status).toBe(200);
    expect(await Session.revokeSession(handle)).toBe(true);
    const res = await c.request("GET", "/verify-db");
    expect(res).toMatchObject({ status: 401, body: { message: "unauthorised" } });
    expect(clearingOf(res.headers)).toEqual(CLEARED_EVERYWHERE);
  });

  it("accepts a revoked session's access token without checkDatabase only until its exp, at most accessTokenValidity (3600 s) after iat", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c);
    const { iat, exp } = decodeJwt(accessTokenOf(c)).payload as { iat: number; exp: number };
    expect(exp - iat).toBe(3600);
    await Session.revokeSession(handle);
    expect(await c.request("GET", "/verify")).toMatchObject({ status: 200, body: { handle } });
    app.clock.set(exp * 1000 - 1000);
    expect((await c.request("GET", "/verify")).status).toBe(200);
    app.clock.set(exp * 1000);
    expect(await c.request("GET", "/verify")).toMatchObject({ status: 401, body: { message: "try refresh token" } });
    const refresh = await c.refresh();
    expect(refresh).toMatchObject({ status: 401, body: { message: "unauthorised" } });
    expect(clearingOf(refresh.headers)).toEqual(CLEARED_EVERYWHERE);
  });

  it("refuses the refresh token of every session after revokeAllSessionsForUser", async () => {
    const clients = [app.client("cookie"), app.client("cookie"), app.client("header")];
    for (const c of clients) await signIn(c, { userId: "user-3" });
    expect(await Session.revokeAllSessionsForUser("user-3")).toHaveLength(3);
    for (const c of clients) expect(await c.refresh()).toMatchObject({ status: 401, body: { message: "unauthorised" } });
    expect(await Session.getAllSessionHandlesForUser("user-3")).toEqual([]);
  });

  it("signs out a user whose global claim validator fails on every verifySession", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c, { userId: "mfa-pending" });
    const refused = await c.request("GET", "/verify");
    expect(refused).toMatchObject({ status: 403, body: { message: "invalid claim", claimValidationErrors: [{ id: "mfa-done" }] } });
    const res = await c.request("POST", "/auth/signout");
    expect(res).toMatchObject({ status: 200, body: { status: "OK" } });
    expect(res.headers.get("front-token")).toBe("remove");
    expect(await sessionRow(handle)).toBeNull();
  });
});

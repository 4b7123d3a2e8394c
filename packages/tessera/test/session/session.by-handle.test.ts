/** The offline, by-handle functions of `tessera/recipe/session` (protocol 2.5, section 7 item 8). */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import Session from "../../src/recipe/session/index.js";
import { BooleanClaim, PrimitiveClaim } from "../../src/recipe/session/claims/index.js";
import { DAY_MS, sharedApp, signIn } from "./helpers.js";

const Flag = new BooleanClaim({ key: "flag", fetchValue: () => true });
const Plan = new PrimitiveClaim<string>({ key: "plan", fetchValue: () => "pro" });
const Gate = new BooleanClaim({ key: "gate", fetchValue: () => false });
const Unknown = new PrimitiveClaim<string>({ key: "unknown", fetchValue: () => undefined });

/** Only the user "gated" has a global validator, so the other tests are not affected by it. */
const app = sharedApp({
  session: {
    override: {
      functions: (original) => ({
        ...original,
        getGlobalClaimValidators: (input) => (input.userId === "gated" ? [Gate.validators.isTrue()] : input.claimValidatorsAddedByOtherRecipes),
      }),
    },
  },
});

const ISS = "http://127.0.0.1/auth";

describe("by-handle session functions", () => {
  it("getSessionInformation returns the stored session: data, payload, expiry, creation time and tenant", async () => {
    const now = app.clock.now();
    const c = app.client("cookie");
    const handle = await signIn(c, { payload: { role: "admin" }, data: { secret: 1 } });
    expect(await Session.getSessionInformation(handle)).toEqual({
      sessionHandle: handle,
      userId: "user-1",
      recipeUserId: "user-1",
      sessionDataInDatabase: { secret: 1 },
      expiry: now + 100 * DAY_MS,
      customClaimsInAccessTokenPayload: { iss: ISS, role: "admin" },
      timeCreated: now,
      tenantId: "public",
    });
  });

  it("updateSessionDataInDatabase replaces the stored data, which never reaches the client", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c, { data: { a: 1 } });
    expect(await Session.updateSessionDataInDatabase(handle, { b: 2 })).toBe(true);
    expect((await Session.getSessionInformation(handle))!.sessionDataInDatabase).toEqual({ b: 2 });
    await c.refresh();
    expect(c.frontPayload()).not.toHaveProperty("b");
    expect(c.frontPayload()).not.toHaveProperty("a");
  });

  it("mergeIntoAccessTokenPayload by handle reaches the client only at its next refresh, and a null removes a key", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c, { payload: { role: "admin" } });
    expect(await Session.mergeIntoAccessTokenPayload(handle, { plan: "pro", role: null })).toBe(true);
    expect((await Session.getSessionInformation(handle))!.customClaimsInAccessTokenPayload).toEqual({ iss: ISS, plan: "pro" });
    const before = await c.request("GET", "/verify");
    expect(before.body?.payload).toMatchObject({ role: "admin" });
    expect(before.body?.payload).not.toHaveProperty("plan");
    expect(before.headers.get("front-token")).toBeNull();
    expect((await c.refresh()).status).toBe(200);
    expect(c.frontPayload()).toMatchObject({ plan: "pro" });
    expect(c.frontPayload()).not.toHaveProperty("role");
    const after = await c.request("GET", "/verify");
    expect(after.body?.payload).toMatchObject({ plan: "pro" });
    expect(after.body?.payload).not.toHaveProperty("role");
  });

  it("mergeIntoAccessTokenPayload by handle cannot set protected fields", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c);
    expect(await Session.mergeIntoAccessTokenPayload(handle, { sub: "evil", exp: 1, sessionHandle: "x", rsub: "evil", tId: "t2", ok: true })).toBe(true);
    expect((await Session.getSessionInformation(handle))!.customClaimsInAccessTokenPayload).toEqual({ iss: ISS, ok: true });
    await c.refresh();
    expect(c.frontPayload()).toMatchObject({ sub: "user-1", rsub: "user-1", sessionHandle: handle, tId: "public", ok: true });
    expect((c.frontPayload()!.exp as number) * 1000).toBe(app.clock.now() + 3600_000);
  });

  it("setClaimValue by handle stores the value with its time, getClaimValue reads it, and the client sees it after a refresh", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c);
    expect(await Session.setClaimValue(handle, Flag, true)).toBe(true);
    expect(await Session.getClaimValue(handle, Flag)).toEqual({ status: "OK", value: true });
    expect(c.frontPayload()).not.toHaveProperty("flag");
    await c.refresh();
    expect(c.frontPayload()!.flag).toEqual({ v: true, t: app.clock.now() });
  });

  it("removeClaim by handle drops the key", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c);
    await Session.setClaimValue(handle, Flag, true);
    expect(await Session.removeClaim(handle, Flag)).toBe(true);
    expect(await Session.getClaimValue(handle, Flag)).toEqual({ status: "OK", value: undefined });
    expect((await Session.getSessionInformation(handle))!.customClaimsInAccessTokenPayload).toEqual({ iss: ISS });
  });

  it("fetchAndSetClaim by handle stores the fetched value", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c);
    expect(await Session.fetchAndSetClaim(handle, Plan)).toBe(true);
    expect(await Session.getClaimValue(handle, Plan)).toEqual({ status: "OK", value: "pro" });
  });

  it("fetchAndSetClaim by handle leaves the payload unchanged when the claim fetches undefined", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c, { payload: { role: "admin" } });
    await Session.fetchAndSetClaim(handle, Unknown);
    expect((await Session.getSessionInformation(handle))!.customClaimsInAccessTokenPayload).toEqual({ iss: ISS, role: "admin" });
    expect(await Session.getClaimValue(handle, Unknown)).toEqual({ status: "OK", value: undefined });
  });

  it("validateClaimsForSessionHandle answers OK with no invalid claims when the global validators pass", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c);
    expect(await Session.validateClaimsForSessionHandle(handle)).toEqual({ status: "OK", invalidClaims: [] });
  });

  it("validateClaimsForSessionHandle runs the global validators on the stored payload and stores what they refetched", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c, { userId: "gated" });
    expect(await Session.validateClaimsForSessionHandle(handle)).toEqual({
      status: "OK",
      invalidClaims: [{ id: "gate", reason: { message: "wrong value", expectedValue: true, actualValue: false } }],
    });
    expect(await Session.getClaimValue(handle, Gate)).toEqual({ status: "OK", value: false });
  });

  it("validateClaimsForSessionHandle uses the override's list instead of the global one", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c, { userId: "gated" });
    const result = await Session.validateClaimsForSessionHandle(handle, (global, info) => {
      expect(global.map((v) => v.id)).toEqual(["gate"]);
      expect(info.sessionHandle).toBe(handle);
      return [Flag.validators.isTrue()];
    });
    expect(result).toEqual({ status: "OK", invalidClaims: [] });
    expect(await Session.getClaimValue(handle, Flag)).toEqual({ status: "OK", value: true });
  });

  it("getAllSessionHandlesForUser lists the user's sessions, and revokeAllSessionsForUser revokes exactly those", async () => {
    const mine = [app.client("cookie"), app.client("header")];
    const handles = [];
    for (const c of mine) handles.push(await signIn(c, { userId: "user-many" }));
    const someoneElse = app.client("cookie");
    const otherHandle = await signIn(someoneElse, { userId: "user-other" });
    expect((await Session.getAllSessionHandlesForUser("user-many")).sort()).toEqual([...handles].sort());
    expect((await Session.revokeAllSessionsForUser("user-many")).sort()).toEqual([...handles].sort());
    expect(await Session.getAllSessionHandlesForUser("user-many")).toEqual([]);
    for (const c of mine) expect((await c.request("GET", "/verify-db")).status).toBe(401);
    expect(await someoneElse.request("GET", "/verify-db")).toMatchObject({ status: 200, body: { handle: otherHandle } });
  });

  it("revokeSession answers true for a live session and false once it is gone", async () => {
    const handle = await signIn(app.client("cookie"));
    expect(await Session.revokeSession(handle)).toBe(true);
    expect(await Session.revokeSession(handle)).toBe(false);
  });

  it.each([
    ["a well-formed unknown handle", randomUUID()],
    ["a malformed handle", "not-a-handle"],
  ])("answers false, undefined or SESSION_DOES_NOT_EXIST_ERROR for %s, never throwing", async (_name, handle) => {
    expect(await Session.getSessionInformation(handle)).toBeUndefined();
    expect(await Session.updateSessionDataInDatabase(handle, { a: 1 })).toBe(false);
    expect(await Session.mergeIntoAccessTokenPayload(handle, { a: 1 })).toBe(false);
    expect(await Session.setClaimValue(handle, Flag, true)).toBe(false);
    expect(await Session.removeClaim(handle, Flag)).toBe(false);
    expect(await Session.fetchAndSetClaim(handle, Plan)).toBe(false);
    expect(await Session.getClaimValue(handle, Flag)).toEqual({ status: "SESSION_DOES_NOT_EXIST_ERROR" });
    expect(await Session.validateClaimsForSessionHandle(handle)).toEqual({ status: "SESSION_DOES_NOT_EXIST_ERROR" });
    expect(await Session.revokeSession(handle)).toBe(false);
    expect(await Session.revokeMultipleSessions([handle])).toEqual([]);
  });

  it("answers [] for a user with no sessions", async () => {
    expect(await Session.getAllSessionHandlesForUser("nobody")).toEqual([]);
    expect(await Session.revokeAllSessionsForUser("nobody")).toEqual([]);
  });
});

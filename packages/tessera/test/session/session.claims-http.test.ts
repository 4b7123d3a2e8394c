/** Payload and claim methods of the session container inside a request (protocol 2.4, 2.5; section 7 items 4, 5, 7). */
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import type { SessionRequest } from "../../src/framework/express/index.js";
import { verifySession } from "../../src/recipe/session/framework/express.js";
import Session from "../../src/recipe/session/index.js";
import { BooleanClaim, PrimitiveClaim } from "../../src/recipe/session/claims/index.js";
import type { JSONObject } from "../../src/recipe/session/types.js";
import { accessTokenOf, decodeFrontToken, decodeJwt, readJSON, sharedApp, signIn, STANDARD_KEYS } from "./helpers.js";

const Flag = new BooleanClaim({ key: "flag", fetchValue: () => true });
const Plan = new PrimitiveClaim<string>({ key: "plan", fetchValue: () => "pro" });
const Gate = new BooleanClaim({ key: "gate", fetchValue: () => false });

const app = sharedApp({
  routes: (a) => {
    const reply = (req: SessionRequest, res: import("express").Response) => res.json({ payload: req.session!.getAccessTokenPayload() });
    a.post("/set-flag", verifySession(), async (req: SessionRequest, res) => {
      await req.session!.setClaimValue(Flag, true);
      res.json({ payload: req.session!.getAccessTokenPayload(), value: await req.session!.getClaimValue(Flag) });
    });
    a.post("/remove-flag", verifySession(), async (req: SessionRequest, res) => {
      await req.session!.removeClaim(Flag);
      reply(req, res);
    });
    a.post("/fetch-plan", verifySession(), async (req: SessionRequest, res) => {
      await req.session!.fetchAndSetClaim(Plan);
      reply(req, res);
    });
    a.post("/merge", verifySession(), async (req: SessionRequest, res) => {
      await req.session!.mergeIntoAccessTokenPayload((await readJSON(req)) as JSONObject);
      reply(req, res);
    });
    a.get("/needs-plan", verifySession({ overrideGlobalClaimValidators: () => [Plan.validators.hasValue("pro")] }), reply);
    a.get("/needs-gate", verifySession({ overrideGlobalClaimValidators: () => [Gate.validators.isTrue()] }), reply);
    a.post("/create-probe", async (req, res) => {
      const payload: JSONObject = { gone: undefined, kept: null, nested: { inner: null, dropped: undefined, deep: { x: null } }, n: 1 };
      const snapshot = structuredClone(payload);
      await Session.createNewSession(req, res, "public", "user-1", payload);
      res.json({ mutated: !isDeepStrictEqual(snapshot, payload) });
    });
  },
});

describe("session container methods in a handler", () => {
  it.each(["cookie", "header"] as const)("setClaimValue puts the new value in the same response's access token and front-token (%s mode)", async (mode) => {
    const c = app.client(mode);
    await signIn(c);
    const before = decodeJwt(accessTokenOf(c)).payload;
    const res = await c.request("POST", "/set-flag");
    expect(res.status).toBe(200);
    const expected = { v: true, t: app.clock.now() };
    expect(res.body).toEqual({ payload: { ...before, flag: expected }, value: true });
    const token = mode === "cookie" ? res.headers.getSetCookie()[0]!.match(/^sAccessToken=([^;]+)/)![1]! : res.headers.get("st-access-token")!;
    expect(decodeJwt(token).payload).toEqual({ ...before, flag: expected });
    expect(decodeFrontToken(res.headers.get("front-token")!).up).toEqual({ ...before, flag: expected });
    const next = await c.request("GET", "/verify");
    expect(next.body?.payload).toMatchObject({ flag: expected });
    expect(next.headers.get("front-token")).toBeNull();
  });

  it("removeClaim drops the key from the token: 11 keys become 10", async () => {
    const c = app.client("cookie");
    await signIn(c);
    await c.request("POST", "/set-flag");
    expect(Object.keys(c.frontPayload()!)).toHaveLength(11);
    const res = await c.request("POST", "/remove-flag");
    expect(res.status).toBe(200);
    expect(Object.keys(c.frontPayload()!).sort()).toEqual(STANDARD_KEYS);
    expect(Object.keys(decodeJwt(accessTokenOf(c)).payload).sort()).toEqual(STANDARD_KEYS);
  });

  it("fetchAndSetClaim stores the fetched value in the token", async () => {
    const c = app.client("cookie");
    await signIn(c);
    const res = await c.request("POST", "/fetch-plan");
    expect(res.body?.payload).toMatchObject({ plan: { v: "pro", t: app.clock.now() } });
    expect(c.frontPayload()).toMatchObject({ plan: { v: "pro" } });
  });

  it("mergeIntoAccessTokenPayload cannot overwrite protected fields", async () => {
    const c = app.client("cookie");
    const handle = await signIn(c);
    const before = decodeJwt(accessTokenOf(c)).payload;
    const res = await c.request("POST", "/merge", {
      body: { sub: "evil", rsub: "evil", exp: 1, iat: 1, sessionHandle: "x", refreshTokenHash1: "x", parentRefreshTokenHash1: "x", antiCsrfToken: "x", tId: "x", stt: 1, custom: "ok" },
    });
    expect(res.status).toBe(200);
    expect(decodeJwt(accessTokenOf(c)).payload).toEqual({ ...before, custom: "ok" });
    expect(c.frontPayload()).toEqual({ ...before, custom: "ok" });
    expect((await Session.getSessionInformation(handle))!.customClaimsInAccessTokenPayload).toEqual({ iss: "http://127.0.0.1/auth", custom: "ok" });
  });

  it("mergeIntoAccessTokenPayload removes a key merged as null, and the change survives a refresh", async () => {
    const c = app.client("cookie");
    await signIn(c, { payload: { role: "admin", team: "a" } });
    await c.request("POST", "/merge", { body: { role: null, level: 2 } });
    expect(c.frontPayload()).toMatchObject({ team: "a", level: 2 });
    expect(c.frontPayload()).not.toHaveProperty("role");
    await c.refresh();
    expect(c.frontPayload()).toMatchObject({ team: "a", level: 2 });
    expect(c.frontPayload()).not.toHaveProperty("role");
  });

  it("createNewSession does not mutate the payload object it is given; undefined keys vanish and nulls survive, nested too", async () => {
    const c = app.client("cookie");
    const res = await c.request("POST", "/create-probe");
    expect(res.body).toEqual({ mutated: false });
    const up = c.frontPayload()!;
    expect(up).not.toHaveProperty("gone");
    expect(up).toMatchObject({ kept: null, n: 1 });
    expect(up.nested).toEqual({ inner: null, deep: { x: null } });
    expect(decodeJwt(accessTokenOf(c)).payload).toEqual(up);
  });

  it("sends a claim that verifySession refetched in the same response", async () => {
    const c = app.client("cookie");
    await signIn(c);
    const res = await c.request("GET", "/needs-plan");
    expect(res.status).toBe(200);
    expect(res.body?.payload).toMatchObject({ plan: { v: "pro", t: app.clock.now() } });
    expect(decodeJwt(accessTokenOf(c)).payload).toMatchObject({ plan: { v: "pro" } });
    const again = await c.request("GET", "/needs-plan");
    expect(again.status).toBe(200);
    expect(again.headers.get("front-token")).toBeNull();
  });

  it("answers 403 invalid claim for a failing refetched claim, still sending the refetched value to the client", async () => {
    const c = app.client("cookie");
    await signIn(c);
    const res = await c.request("GET", "/needs-gate");
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ message: "invalid claim", claimValidationErrors: [{ id: "gate", reason: { message: "wrong value", expectedValue: true, actualValue: false } }] });
    expect(decodeFrontToken(res.headers.get("front-token")!).up).toMatchObject({ gate: { v: false } });
  });
});

/**
 * MultiFactorAuth over HTTP (protocol 4.5 and 5): `PUT /auth/mfa/info`, the rule for who may set
 * up, verify or remove a factor (5.4), `firstFactors`, and the per-user required secondary
 * factors (5.2, 5.3).
 */
import { describe, expect, it } from "vitest";
import EmailPassword from "../../src/recipe/emailpassword/index.js";
import MultiFactorAuth from "../../src/recipe/multifactorauth/index.js";
import { Client } from "../helpers/app.js";
import {
  codeFor,
  completeTotp,
  decodeFrontToken,
  decodeJwt,
  enrolledUser,
  form,
  freshEmail,
  mfaOf,
  MFA_NOT_SATISFIED,
  PASSWORD,
  REMOVE_NOT_ALLOWED_403,
  SETUP_NOT_ALLOWED_403,
  signIn,
  signUp,
  T0_MS,
  tokensSet,
  twoFactorApp,
  verifiedDevices,
} from "./helpers.js";

describe("PUT /auth/mfa/info (demo configuration)", () => {
  const app = twoFactorApp();

  it("answers 401 unauthorised without a session", async () => {
    app.clock.set(T0_MS);
    const response = await fetch(`${app.url}/auth/mfa/info`, { method: "PUT" });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: "unauthorised" });
  });

  it("answers 401 unauthorised for a forged bearer token", async () => {
    const response = await fetch(`${app.url}/auth/mfa/info`, { method: "PUT", headers: { authorization: "Bearer not.a.token" } });
    expect(response.status).toBe(401);
  });

  it("answers OK with factors, the emailpassword email in emails, and empty phoneNumbers for a new user", async () => {
    const c = new Client(app.url, "cookie");
    const email = freshEmail("info");
    await signUp(c, email);
    const reply = await c.request("PUT", "/auth/mfa/info");
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      status: "OK",
      factors: { next: ["totp"], alreadySetup: ["emailpassword"], allowedToSetup: ["totp"] },
      emails: { emailpassword: [email] },
      phoneNumbers: {},
    });
  });

  it("is reachable mid-MFA in header mode too (claims skipped) and answers the same shape", async () => {
    const c = new Client(app.url, "header");
    const email = freshEmail("info-header");
    await signUp(c, email);
    const reply = await c.request("PUT", "/auth/mfa/info");
    expect(reply.status).toBe(200);
    expect(reply.body?.factors).toEqual({ next: ["totp"], alreadySetup: ["emailpassword"], allowedToSetup: ["totp"] });
  });

  it("answers next [] once the session has completed MFA, with totp set up", async () => {
    const { client } = await enrolledUser(app);
    const reply = await client.request("PUT", "/auth/mfa/info");
    expect(reply.status).toBe(200);
    const factors = reply.body?.factors as { next: string[]; alreadySetup: string[]; allowedToSetup: string[] };
    expect(factors.next).toEqual([]);
    expect([...factors.alreadySetup].sort()).toEqual(["emailpassword", "totp"]);
    expect(factors.allowedToSetup).toContain("totp");
  });
});

describe("who may set up, verify or remove TOTP (protocol 5.4, 4.4)", () => {
  const app = twoFactorApp();
  let user: Awaited<ReturnType<typeof enrolledUser>>;
  let midMfa: Client;

  it("a user with a verified device who signs in again has st-mfa v false", async () => {
    app.clock.set(T0_MS);
    user = await enrolledUser(app);
    midMfa = new Client(app.url, "cookie");
    await signIn(midMfa, user.email);
    expect(mfaOf(midMfa.frontPayload())?.v).toBe(false);
  });

  it("cannot create a second device before completing TOTP: 403 st-mfa with the exact string reason, and no device is stored", async () => {
    const reply = await midMfa.request("POST", "/auth/totp/device", { body: { deviceName: "second" } });
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual(SETUP_NOT_ALLOWED_403);
    const list = await midMfa.request("GET", "/auth/totp/device/list");
    expect(list.body).toEqual({ status: "OK", devices: [{ name: user.deviceName, period: 30, skew: 1, verified: true }] });
  });

  it("cannot use /totp/device/verify on its verified device to complete TOTP: 403, and st-mfa stays v false", async () => {
    app.clock.advance(30_000);
    const reply = await midMfa.request("POST", "/auth/totp/device/verify", { body: { deviceName: user.deviceName, totp: codeFor(user.secret, app.clock.now()) } });
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual(SETUP_NOT_ALLOWED_403);
    expect(reply.headers.get("front-token")).toBeNull();
    expect(mfaOf(midMfa.frontPayload())?.v).toBe(false);
  });

  it("cannot remove its verified device before completing TOTP: 403, and the device is still there", async () => {
    const reply = await midMfa.request("POST", "/auth/totp/device/remove", { body: { deviceName: user.deviceName } });
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual(REMOVE_NOT_ALLOWED_403);
    expect(await verifiedDevices(user.userId)).toEqual([user.deviceName]);
  });

  it("PUT /auth/mfa/info shows the same rule: totp is next and set up, but not allowed to be set up", async () => {
    const reply = await midMfa.request("PUT", "/auth/mfa/info");
    expect(reply.body?.factors).toMatchObject({ next: ["totp"], allowedToSetup: [] });
  });

  it("after POST /auth/totp/verify, the same session may create a second device", async () => {
    await completeTotp(app, midMfa, user.secret);
    expect(mfaOf(midMfa.frontPayload())?.v).toBe(true);
    const reply = await midMfa.request("POST", "/auth/totp/device", { body: { deviceName: "second" } });
    expect(reply.status).toBe(200);
    expect(reply.body?.status).toBe("OK");
    expect(reply.body?.deviceName).toBe("second");
  });

  it("after POST /auth/totp/verify, the same session may remove the verified device", async () => {
    const reply = await midMfa.request("POST", "/auth/totp/device/remove", { body: { deviceName: user.deviceName } });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: "OK", didDeviceExist: true });
    expect(await verifiedDevices(user.userId)).toEqual([]);
  });
});

describe("firstFactors (protocol 5.4, first factor rules)", () => {
  // emailpassword is not a first factor here: signing in with it and no session must be refused.
  const app = twoFactorApp({ firstFactors: ["thirdparty"] });

  it("refuses sign-up with a factor that is not a first factor: 401 unauthorised, no tokens, no user", async () => {
    app.clock.set(T0_MS);
    const email = freshEmail("not-first");
    const c = new Client(app.url, "cookie");
    const reply = await c.request("POST", "/auth/signup", { body: form({ email, password: PASSWORD }) });
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ message: "unauthorised" });
    expect(reply.headers.getSetCookie().filter((s) => !/^[^=]+=;/.test(s))).toEqual([]);
    expect(await EmailPassword.getUserByEmail("public", email)).toBeUndefined();
  });

  it("refuses sign-in with a factor that is not a first factor: 401 unauthorised and no tokens", async () => {
    const email = freshEmail("not-first-in");
    expect((await EmailPassword.signUp("public", email, PASSWORD)).status).toBe("OK");
    const c = new Client(app.url, "header");
    const reply = await c.request("POST", "/auth/signin", { body: form({ email, password: PASSWORD }) });
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ message: "unauthorised" });
    expect(reply.headers.get("st-access-token")).toBeFalsy();
    expect(reply.headers.get("st-refresh-token")).toBeFalsy();
  });
});

describe("required secondary factors per user (tenant-level requiredSecondaryFactors empty)", () => {
  const app = twoFactorApp({ requiredSecondaryFactors: [] });
  let email: string;
  let userId: string;
  let early: Client;

  it("a user without requirements gets st-mfa v true right after sign-up, and passes the global validator", async () => {
    app.clock.set(T0_MS);
    email = freshEmail("per-user");
    early = new Client(app.url, "cookie");
    userId = (await signUp(early, email)).userId;
    expect(mfaOf(early.frontPayload())).toEqual({ c: { emailpassword: Math.floor(T0_MS / 1000) }, v: true });
    expect((await early.request("POST", "/t/write")).status).toBe(200);
  });

  it("getRequiredSecondaryFactorsForUser answers [] before anything is added", async () => {
    expect(await MultiFactorAuth.getRequiredSecondaryFactorsForUser(userId)).toEqual([]);
  });

  it("addToRequiredSecondaryFactorsForUser adds totp once, however often it is called", async () => {
    await MultiFactorAuth.addToRequiredSecondaryFactorsForUser(userId, "totp");
    await MultiFactorAuth.addToRequiredSecondaryFactorsForUser(userId, "totp");
    expect(await MultiFactorAuth.getRequiredSecondaryFactorsForUser(userId)).toEqual(["totp"]);
  });

  it("the next sign-in has st-mfa v false and is refused by the global validator", async () => {
    const c = new Client(app.url, "cookie");
    await signIn(c, email);
    expect(mfaOf(c.frontPayload())?.v).toBe(false);
    const reply = await c.request("POST", "/t/write");
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual({ message: "invalid claim", claimValidationErrors: [MFA_NOT_SATISFIED] });
  });

  it("a session from before the change keeps v true until PUT /auth/mfa/info re-sets the claim (protocol 5.3)", async () => {
    expect((await early.request("POST", "/t/write")).status).toBe(200);
    const before = early.cookie("sAccessToken");
    const reply = await early.request("PUT", "/auth/mfa/info");
    expect(reply.status).toBe(200);
    expect(reply.body?.factors).toEqual({ next: ["totp"], alreadySetup: ["emailpassword"], allowedToSetup: ["totp"] });
    const set = tokensSet(reply.headers);
    expect(set.front, "a new front-token").toBeTruthy();
    expect(set.access, "a new access token").toBeTruthy();
    expect(set.access).not.toBe(before);
    expect(mfaOf(decodeJwt(set.access!))).toEqual({ c: { emailpassword: Math.floor(T0_MS / 1000) }, v: false });
    expect(mfaOf(decodeFrontToken(set.front!).up)?.v).toBe(false);
    expect((await early.request("POST", "/t/write")).status).toBe(403);
  });

  it("another user's sign-in is unaffected by this user's requirement", async () => {
    const c = new Client(app.url, "cookie");
    await signUp(c, freshEmail("other"));
    expect(mfaOf(c.frontPayload())?.v).toBe(true);
  });

  it("removeFromRequiredSecondaryFactorsForUser removes it, and the next sign-in has v true again", async () => {
    await MultiFactorAuth.removeFromRequiredSecondaryFactorsForUser(userId, "totp");
    expect(await MultiFactorAuth.getRequiredSecondaryFactorsForUser(userId)).toEqual([]);
    const c = new Client(app.url, "cookie");
    await signIn(c, email);
    expect(mfaOf(c.frontPayload())?.v).toBe(true);
  });

  it("PUT /auth/mfa/info turns a v false session back to v true with a new front-token once the requirement is gone", async () => {
    const reply = await early.request("PUT", "/auth/mfa/info");
    expect(reply.status).toBe(200);
    expect(reply.body?.factors).toMatchObject({ next: [] });
    expect(reply.headers.get("front-token")).toBeTruthy();
    expect(mfaOf(early.frontPayload())?.v).toBe(true);
    expect((await early.request("POST", "/t/write")).status).toBe(200);
  });
});

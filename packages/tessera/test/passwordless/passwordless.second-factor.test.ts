/**
 * Passwordless as a second factor over real HTTP (issue 7; protocol 4.0 `shouldTryLinkingWithSessionUser`,
 * 4.3 and 5): an email-password user completes `otp-email` or `link-email` with the code or link
 * sent to their email, and a user with a phone completes `otp-phone`; the consume response itself
 * carries the updated session, and no user or session is made. Then the MFA rules of protocol 5.4
 * for the new factor, and a passwordless first factor that still owes TOTP.
 */
import { describe, expect, it } from "vitest";
import { base32Decode } from "../../src/core/crypto/base32.js";
import { totpCode } from "../../src/core/crypto/otp.js";
import Passwordless from "../../src/recipe/passwordless/index.js";
import {
  Client,
  consumeCode,
  createCode,
  freshEmail,
  freshPhone,
  lastMessage,
  linkCodeOf,
  mfaClaim,
  passwordlessApp,
  signInWithCode,
  signInWithPassword,
  signUpWithPassword,
  startFlow,
  type PasswordlessApp,
} from "./helpers.js";

const LINK = { shouldTryLinkingWithSessionUser: true };
const MFA_NOT_SATISFIED_403 = { message: "invalid claim", claimValidationErrors: [{ id: "st-mfa", reason: { message: "MFA requirement for auth is not satisfied" } }] };
const setupRefused = (reason: string) => ({ message: "invalid claim", claimValidationErrors: [{ id: "st-mfa", reason }] });

/** The raw `Set-Cookie` value of the access token a response set, if any. */
function accessCookieSet(headers: Headers): string | undefined {
  const line = headers.getSetCookie().find((c) => c.startsWith("sAccessToken="));
  return line === undefined ? undefined : decodeURIComponent(line.slice("sAccessToken=".length, line.indexOf(";")));
}

const frontPayloadOf = (headers: Headers) => {
  const front = headers.get("front-token");
  return front === null ? undefined : (JSON.parse(Buffer.from(front, "base64").toString("utf8")) as { up: Record<string, unknown> }).up;
};

const count = (app: PasswordlessApp, table: string) => (app.rows<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`)[0] as { n: number }).n;

/** An email-password user signed in with the first factor only: `st-mfa` `{ c: { emailpassword }, v: false }`. */
async function passwordUserMidMFA(app: PasswordlessApp) {
  const email = freshEmail("second");
  const userId = await signUpWithPassword(app.client(), email);
  const c = app.client();
  expect((await signInWithPassword(c, email)).body?.status).toBe("OK");
  expect(mfaClaim(c)).toMatchObject({ c: { emailpassword: expect.any(Number) }, v: false });
  expect((await c.request("GET", "/t/guarded")).status).toBe(403);
  return { email, userId, c };
}

/**
 * The consume succeeded as a second factor: the same response carries the new access token and
 * front-token with `st-mfa.v` true, for the same user and the same session, and nobody was
 * signed in or up.
 */
function expectFactorCompletedInResponse(reply: Awaited<ReturnType<typeof consumeCode>>, before: { userId: string; accessToken: string | undefined }, factorId: string) {
  expect(reply.status).toBe(200);
  expect(reply.body).toMatchObject({ status: "OK", createdNewRecipeUser: false, user: { id: before.userId } });
  const access = accessCookieSet(reply.headers);
  expect(access).toBeDefined();
  expect(access).not.toBe(before.accessToken);
  const payload = frontPayloadOf(reply.headers);
  expect(payload?.sub).toBe(before.userId);
  expect(payload?.["st-mfa"]).toEqual({ c: { emailpassword: expect.any(Number), [factorId]: expect.any(Number) }, v: true });
}

describe("second factor: otp-email for an email-password user", () => {
  const app = passwordlessApp({ mfa: { firstFactors: ["emailpassword"], requiredSecondaryFactors: ["otp-email"] } });

  it("completes MFA with the emailed code: the consume response carries the updated session, and the guarded route goes 403 → 200", async () => {
    const { email, userId, c } = await passwordUserMidMFA(app);
    const usersBefore = count(app, "passwordless_users");
    const sessionsBefore = app.rows<{ handle: string }>("SELECT handle FROM sessions WHERE user_id = ?", userId);
    // The sign-up's session and this sign-in's.
    expect(sessionsBefore).toHaveLength(2);

    const created = await createCode(c, { email, ...LINK });
    // Narrowed to the factor this session may set up (protocol 4.3): a code, no link.
    expect(created.body).toMatchObject({ status: "OK", flowType: "USER_INPUT_CODE" });
    const message = lastMessage(app, email);
    expect(message).toMatchObject({ email, isFirstFactor: false, preAuthSessionId: created.body?.preAuthSessionId });
    expect(message.userInputCode).toMatch(/^\d{6}$/);
    expect(message.urlWithLinkCode).toBeUndefined();

    const accessToken = c.cookie("sAccessToken");
    const reply = await consumeCode(c, { preAuthSessionId: created.body?.preAuthSessionId, deviceId: created.body?.deviceId, userInputCode: message.userInputCode, ...LINK });
    expectFactorCompletedInResponse(reply, { userId, accessToken }, "otp-email");
    expect(reply.body?.user).toMatchObject({ emails: [email], loginMethods: [{ recipeId: "emailpassword", recipeUserId: userId }] });
    expect(mfaClaim(c)?.v).toBe(true);
    expect((await c.request("GET", "/t/guarded")).body).toEqual({ userId });

    // The session user completed a factor; nobody signed in or up.
    expect(count(app, "passwordless_users")).toBe(usersBefore);
    expect(app.rows<{ handle: string }>("SELECT handle FROM sessions WHERE user_id = ?", userId)).toEqual(sessionsBefore);
    expect(await Passwordless.getUserByEmail("public", email)).toBeUndefined();
    // The flow is spent.
    expect(app.rows("SELECT * FROM passwordless_devices WHERE pre_auth_session_id = ?", created.body?.preAuthSessionId as string)).toEqual([]);
  });

  it("in header mode the consume response carries the new access token in st-access-token", async () => {
    const email = freshEmail("header");
    const userId = await signUpWithPassword(app.client(), email);
    const c = new Client(app.url, "header");
    expect((await signInWithPassword(c, email)).body?.status).toBe("OK");
    const before = c.accessToken;
    expect(before).toBeDefined();
    const flow = await startFlow(app, c, { email }, LINK);
    const reply = await consumeCode(c, { preAuthSessionId: flow.preAuthSessionId, deviceId: flow.deviceId, userInputCode: flow.message.userInputCode, ...LINK });
    expect(reply.body).toMatchObject({ status: "OK", createdNewRecipeUser: false, user: { id: userId } });
    const access = reply.headers.get("st-access-token");
    expect(access).toEqual(expect.any(String));
    expect(access).not.toBe(before);
    expect(reply.headers.getSetCookie().filter((cookie) => cookie.startsWith("sAccessToken="))).toEqual([]);
    expect(frontPayloadOf(reply.headers)?.["st-mfa"]).toEqual({ c: { emailpassword: expect.any(Number), "otp-email": expect.any(Number) }, v: true });
    expect((await c.request("GET", "/t/guarded")).body).toEqual({ userId });
  });

  it("without the session the same code signs nobody in: otp-email is not a first factor here", async () => {
    const { email, userId, c } = await passwordUserMidMFA(app);
    const flow = await startFlow(app, c, { email }, LINK);
    const code = { preAuthSessionId: flow.preAuthSessionId, deviceId: flow.deviceId, userInputCode: flow.message.userInputCode };
    const stranger = app.client();
    const asFirstFactor = await consumeCode(stranger, code);
    expect(asFirstFactor.status).toBe(401);
    expect(asFirstFactor.headers.get("front-token")).toBeNull();
    expect(stranger.cookie("sAccessToken")).toBeUndefined();
    // Asking to link without any session is 401 as well (protocol 4.0).
    expect((await consumeCode(stranger, { ...code, ...LINK })).status).toBe(401);
    // Neither attempt spent the code: the session user completes the factor with it.
    const accessToken = c.cookie("sAccessToken");
    expectFactorCompletedInResponse(await consumeCode(c, { ...code, ...LINK }), { userId, accessToken }, "otp-email");
  });

  it("a code sent for one user's factor does not complete another user's", async () => {
    const victim = await passwordUserMidMFA(app);
    const attacker = await passwordUserMidMFA(app);
    const flow = await startFlow(app, victim.c, { email: victim.email }, LINK);
    // The attacker's session may not even ask for a code to the victim's email.
    expect((await createCode(attacker.c, { email: victim.email, ...LINK })).body).toMatchObject({ status: "SIGN_IN_UP_NOT_ALLOWED" });
    const stolen = await consumeCode(attacker.c, { preAuthSessionId: flow.preAuthSessionId, deviceId: flow.deviceId, userInputCode: flow.message.userInputCode, ...LINK });
    expect(stolen.body).toMatchObject({ status: "SIGN_IN_UP_NOT_ALLOWED" });
    expect(stolen.headers.get("front-token")).toBeNull();
    expect((await attacker.c.request("GET", "/t/guarded")).status).toBe(403);
    expect(mfaClaim(attacker.c)?.v).toBe(false);
  });
});

describe("second factor: link-email for an email-password user", () => {
  const app = passwordlessApp({ mfa: { firstFactors: ["emailpassword"], requiredSecondaryFactors: ["link-email"] } });

  it("completes MFA with the magic link opened in the signed-in browser", async () => {
    const { email, userId, c } = await passwordUserMidMFA(app);
    const usersBefore = count(app, "passwordless_users");
    const flow = await startFlow(app, c, { email }, LINK);
    expect(flow.flowType).toBe("MAGIC_LINK");
    expect(flow.message.userInputCode).toBeUndefined();
    const accessToken = c.cookie("sAccessToken");
    const reply = await consumeCode(c, { preAuthSessionId: flow.preAuthSessionId, linkCode: linkCodeOf(flow.message), ...LINK });
    expectFactorCompletedInResponse(reply, { userId, accessToken }, "link-email");
    expect((await c.request("GET", "/t/guarded")).body).toEqual({ userId });
    expect(count(app, "passwordless_users")).toBe(usersBefore);
    // Single use.
    expect((await consumeCode(c, { preAuthSessionId: flow.preAuthSessionId, linkCode: linkCodeOf(flow.message), ...LINK })).body).toEqual({ status: "RESTART_FLOW_ERROR" });
  });

  it("a typed code does not complete link-email", async () => {
    const { email, c } = await passwordUserMidMFA(app);
    const flow = await startFlow(app, c, { email }, LINK);
    // The flow sent only a link: there is no code to type, and otp-email may not be set up now.
    const reply = await consumeCode(c, { preAuthSessionId: flow.preAuthSessionId, deviceId: flow.deviceId, userInputCode: "123456", ...LINK });
    expect(reply.status).toBe(403);
    expect(mfaClaim(c)?.v).toBe(false);
  });
});

describe("second factor: otp-phone", () => {
  const app = passwordlessApp({ mfa: { firstFactors: ["emailpassword", "otp-email", "link-email"], requiredSecondaryFactors: ["otp-phone"] } });

  it("a user signed in with an email code completes MFA with an SMS code to their phone", async () => {
    const email = freshEmail("sms");
    const phone = freshPhone();
    const first = app.client();
    const signedUp = await signInWithCode(app, first, { email });
    const userId = (signedUp.body?.user as { id: string }).id;
    expect(await Passwordless.updateUser({ recipeUserId: userId, phoneNumber: phone })).toEqual({ status: "OK" });

    const c = app.client();
    expect((await signInWithCode(app, c, { email })).body).toMatchObject({ status: "OK", createdNewRecipeUser: false, user: { id: userId } });
    expect(mfaClaim(c)).toMatchObject({ c: { "otp-email": expect.any(Number) }, v: false });
    expect((await c.request("GET", "/t/guarded")).body).toEqual(MFA_NOT_SATISFIED_403);

    const flow = await startFlow(app, c, { phoneNumber: phone }, LINK);
    expect(flow.message).toMatchObject({ phoneNumber: phone, isFirstFactor: false });
    const accessToken = c.cookie("sAccessToken");
    const usersBefore = count(app, "passwordless_users");
    const reply = await consumeCode(c, { preAuthSessionId: flow.preAuthSessionId, deviceId: flow.deviceId, userInputCode: flow.message.userInputCode, ...LINK });
    expect(reply.body).toMatchObject({ status: "OK", createdNewRecipeUser: false, user: { id: userId, phoneNumbers: [phone] } });
    expect(accessCookieSet(reply.headers)).not.toBe(accessToken);
    expect(frontPayloadOf(reply.headers)?.["st-mfa"]).toEqual({ c: { "otp-email": expect.any(Number), "otp-phone": expect.any(Number) }, v: true });
    expect((await c.request("GET", "/t/guarded")).body).toEqual({ userId });
    expect(count(app, "passwordless_users")).toBe(usersBefore);
  });

  it("an email-password user cannot receive a code at a number they do not have", async () => {
    const { c } = await passwordUserMidMFA(app);
    const phone = freshPhone();
    const sent = app.outbox.length;
    expect((await createCode(c, { phoneNumber: phone, ...LINK })).body).toMatchObject({ status: "SIGN_IN_UP_NOT_ALLOWED" });
    expect(app.outbox).toHaveLength(sent);
    expect(app.rows("SELECT * FROM passwordless_devices WHERE phone_number = ?", phone)).toEqual([]);
  });
});

// ---- the MFA rules (protocol 5.4) applied to the passwordless factors ----

async function enrolTotp(app: PasswordlessApp, c: Client): Promise<string> {
  const created = await c.request("POST", "/auth/totp/device", { body: { deviceName: "phone" } });
  expect(created.body?.status, JSON.stringify(created.body)).toBe("OK");
  const secret = created.body?.secret as string;
  const verified = await c.request("POST", "/auth/totp/device/verify", { body: { deviceName: "phone", totp: totpCode(base32Decode(secret), app.clock.now()) } });
  expect(verified.body).toEqual({ status: "OK", wasAlreadyVerified: false });
  return secret;
}

/** Verifies a TOTP code in the client's session, on a time step no earlier call used. */
async function completeTotp(app: PasswordlessApp, c: Client, secret: string): Promise<void> {
  app.clock.advance(30_000);
  const reply = await c.request("POST", "/auth/totp/verify", { body: { totp: totpCode(base32Decode(secret), app.clock.now()) } });
  expect(reply.body, JSON.stringify(reply.body)).toEqual({ status: "OK" });
}

describe("MFA rules: a session that has not completed MFA cannot add a passwordless factor", () => {
  const app = passwordlessApp({ mfa: { firstFactors: ["emailpassword"], requiredSecondaryFactors: ["totp", "otp-email"] } });

  it("refuses to send or accept an otp-email code for a user with TOTP until TOTP is done (403 st-mfa)", async () => {
    const email = freshEmail("has-totp");
    const setup = app.client();
    const userId = await signUpWithPassword(setup, email);
    const secret = await enrolTotp(app, setup);
    expect(mfaClaim(setup)?.v).toBe(true);
    // A session that completed MFA may add the factor: the code is sent.
    const pending = await startFlow(app, setup, { email }, LINK);

    const c = app.client();
    expect((await signInWithPassword(c, email)).body?.status).toBe("OK");
    expect(mfaClaim(c)?.v).toBe(false);
    const sent = app.outbox.length;
    const devices = app.rows("SELECT pre_auth_session_id FROM passwordless_devices WHERE email = ?", email);

    const refused = await createCode(c, { email, ...LINK });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual(setupRefused("Completed factors in the session does not satisfy the MFA requirements for auth"));
    expect(app.outbox).toHaveLength(sent);
    expect(app.rows("SELECT pre_auth_session_id FROM passwordless_devices WHERE email = ?", email)).toEqual(devices);

    // Nor may it use a code another session obtained: the factor would be set up all the same.
    const code = { preAuthSessionId: pending.preAuthSessionId, deviceId: pending.deviceId, userInputCode: pending.message.userInputCode, ...LINK };
    const consumed = await consumeCode(c, code);
    expect(consumed.status).toBe(403);
    expect(consumed.body).toEqual(setupRefused("Completed factors in the session does not satisfy the MFA requirements for auth"));
    expect(consumed.headers.get("front-token")).toBeNull();
    expect(mfaClaim(c)?.v).toBe(false);
    expect((await c.request("GET", "/t/guarded")).status).toBe(403);
    // The refusal neither spent the code nor set the factor up.
    expect(app.rows<{ failed_attempts: number }>("SELECT failed_attempts FROM passwordless_devices WHERE pre_auth_session_id = ?", pending.preAuthSessionId)).toEqual([{ failed_attempts: 0 }]);
    expect(app.rows<{ metadata: string }>("SELECT metadata FROM user_metadata WHERE user_id = ?", userId).map((r) => r.metadata).join("")).not.toContain("passwordless");

    // After TOTP the same session may add otp-email, with that very code.
    await completeTotp(app, c, secret);
    const added = await consumeCode(c, code);
    expect(added.body).toMatchObject({ status: "OK", createdNewRecipeUser: false, user: { id: userId } });
    expect(mfaClaim(c)).toEqual({ c: { emailpassword: expect.any(Number), totp: expect.any(Number), "otp-email": expect.any(Number) }, v: true });
  });
});

describe("MFA rules: a factor outside the next set, and a passwordless first factor that owes TOTP", () => {
  const app = passwordlessApp({ mfa: { firstFactors: ["emailpassword", "otp-email", "link-email"], requiredSecondaryFactors: ["totp"] } });

  it("refuses otp-email as a second factor when the requirement is TOTP (403 st-mfa)", async () => {
    const { email, c } = await passwordUserMidMFA(app);
    const sent = app.outbox.length;
    const refused = await createCode(c, { email, ...LINK });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual(setupRefused("Not allowed to setup factor that is not in the next set of unsatisfied factors"));
    expect(app.outbox).toHaveLength(sent);
    expect(mfaClaim(c)?.v).toBe(false);
  });

  it("a passwordless sign-in leaves the guarded route at 403 until TOTP, on every later sign-in too", async () => {
    const email = freshEmail("pl-totp");
    const c = app.client();
    const signedUp = await signInWithCode(app, c, { email });
    expect(signedUp.body).toMatchObject({ status: "OK", createdNewRecipeUser: true });
    const userId = (signedUp.body?.user as { id: string }).id;
    expect(frontPayloadOf(signedUp.headers)?.["st-mfa"]).toEqual({ c: { "otp-email": expect.any(Number) }, v: false });
    expect((await c.request("GET", "/t/guarded")).body).toEqual(MFA_NOT_SATISFIED_403);
    const secret = await enrolTotp(app, c);
    expect((await c.request("GET", "/t/guarded")).body).toEqual({ userId });

    const later = app.client();
    const link = await startFlow(app, later, { email });
    const signedIn = await consumeCode(later, { preAuthSessionId: link.preAuthSessionId, linkCode: linkCodeOf(link.message) });
    expect(signedIn.body).toMatchObject({ status: "OK", createdNewRecipeUser: false, user: { id: userId } });
    expect(mfaClaim(later)).toEqual({ c: { "link-email": expect.any(Number) }, v: false });
    expect((await later.request("GET", "/t/guarded")).body).toEqual(MFA_NOT_SATISFIED_403);
    await completeTotp(app, later, secret);
    expect((await later.request("GET", "/t/guarded")).body).toEqual({ userId });
  });
});

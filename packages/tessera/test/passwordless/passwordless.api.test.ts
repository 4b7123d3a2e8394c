/**
 * Passwordless over real HTTP (issue 7, protocol 4.3): first-factor sign-up and sign-in with an
 * email code, a phone code and a magic link, every response status of the code endpoints, the
 * exists checks, tenants, and email-password users with the same email.
 */
import { describe, expect, it } from "vitest";
import Passwordless from "../../src/recipe/passwordless/index.js";
import {
  consumeCode,
  createCode,
  freshEmail,
  freshPhone,
  lastMessage,
  linkCodeOf,
  MINUTE,
  passwordlessApp,
  resendCode,
  signInWithCode,
  signUpWithPassword,
  startFlow,
  T0_MS,
} from "./helpers.js";

describe("first factor: sign up and sign in", () => {
  const app = passwordlessApp();

  it("signs up with an emailed code, then signs in as the same user", async () => {
    const email = freshEmail("code");
    const c = app.client();
    const created = await createCode(c, { email });
    expect(Object.keys(created.body ?? {}).sort()).toEqual(["deviceId", "flowType", "preAuthSessionId", "status"]);
    expect(created.body).toMatchObject({ status: "OK", flowType: "USER_INPUT_CODE_AND_MAGIC_LINK" });
    // Identifier shapes of protocol 4.3: base64 ids, a 6-digit code, a link with the code in the fragment.
    expect(created.body?.deviceId).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(created.body?.preAuthSessionId).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const message = lastMessage(app, email);
    expect(message).toMatchObject({ type: "PASSWORDLESS_LOGIN", email, codeLifetime: 10 * MINUTE, tenantId: "public", isFirstFactor: true, preAuthSessionId: created.body?.preAuthSessionId });
    expect(message.userInputCode).toMatch(/^\d{6}$/);
    const link = new URL(message.urlWithLinkCode as string);
    expect(`${link.origin}${link.pathname}`).toBe("http://127.0.0.1/auth/verify");
    expect(link.searchParams.get("preAuthSessionId")).toBe(created.body?.preAuthSessionId);
    expect(link.searchParams.get("tenantId")).toBe("public");
    expect(link.hash).toMatch(/^#[A-Za-z0-9_-]{43}$/);

    const signedUp = await consumeCode(c, { preAuthSessionId: created.body?.preAuthSessionId, deviceId: created.body?.deviceId, userInputCode: message.userInputCode });
    expect(signedUp.status).toBe(200);
    const user = signedUp.body?.user as { id: string; timeJoined: number };
    expect(signedUp.body).toEqual({
      status: "OK",
      createdNewRecipeUser: true,
      user: {
        id: user.id,
        timeJoined: T0_MS,
        isPrimaryUser: false,
        tenantIds: ["public"],
        emails: [email],
        phoneNumbers: [],
        thirdParty: [],
        loginMethods: [{ recipeId: "passwordless", recipeUserId: user.id, verified: true, tenantIds: ["public"], timeJoined: T0_MS, email }],
      },
    });
    expect(c.frontPayload()?.sub).toBe(user.id);
    expect((await c.request("GET", "/t/guarded")).body).toEqual({ userId: user.id });

    const again = app.client();
    const signedIn = await signInWithCode(app, again, { email: email.toUpperCase() });
    expect(signedIn.body).toMatchObject({ status: "OK", createdNewRecipeUser: false, user: { id: user.id } });
    expect(again.frontPayload()?.sub).toBe(user.id);
  });

  it("signs up with an SMS code, the number normalised to E.164", async () => {
    const phone = freshPhone();
    const spaced = `${phone.slice(0, 2)} (${phone.slice(2, 5)}) ${phone.slice(5, 8)}-${phone.slice(8)}`;
    const c = app.client();
    const flow = await startFlow(app, c, { phoneNumber: spaced });
    expect(flow.message).toMatchObject({ phoneNumber: phone, isFirstFactor: true });
    const reply = await consumeCode(c, { preAuthSessionId: flow.preAuthSessionId, deviceId: flow.deviceId, userInputCode: flow.message.userInputCode });
    expect(reply.body).toMatchObject({ status: "OK", createdNewRecipeUser: true, user: { phoneNumbers: [phone], emails: [], loginMethods: [{ recipeId: "passwordless", phoneNumber: phone }] } });
    expect((await Passwordless.getUserByPhoneNumber("public", spaced))?.id).toBe((reply.body?.user as { id: string }).id);
  });

  it("signs in with a magic link, on another device than the one that asked", async () => {
    const email = freshEmail("link");
    const flow = await startFlow(app, app.client(), { email });
    const browser = app.client();
    const reply = await consumeCode(browser, { preAuthSessionId: flow.preAuthSessionId, linkCode: linkCodeOf(flow.message) });
    expect(reply.body).toMatchObject({ status: "OK", createdNewRecipeUser: true, user: { emails: [email] } });
    expect(browser.frontPayload()?.sub).toBe((reply.body?.user as { id: string }).id);
    // Single use: the link (and the flow's code) is gone.
    expect((await consumeCode(app.client(), { preAuthSessionId: flow.preAuthSessionId, linkCode: linkCodeOf(flow.message) })).body).toEqual({ status: "RESTART_FLOW_ERROR" });
  });

  it("keeps an email-password user and a passwordless user of one email apart", async () => {
    const email = freshEmail("both");
    const passwordUserId = await signUpWithPassword(app.client(), email);
    const reply = await signInWithCode(app, app.client(), { email });
    expect(reply.body).toMatchObject({ status: "OK", createdNewRecipeUser: true });
    expect((reply.body?.user as { id: string }).id).not.toBe(passwordUserId);
  });
});

describe("the statuses of protocol 4.3", () => {
  const app = passwordlessApp();

  it("INCORRECT_USER_INPUT_CODE_ERROR counts the wrong inputs", async () => {
    const c = app.client();
    const flow = await startFlow(app, c, { email: freshEmail() });
    const wrong = flow.message.userInputCode === "000000" ? "000001" : "000000";
    const reply = await consumeCode(c, { preAuthSessionId: flow.preAuthSessionId, deviceId: flow.deviceId, userInputCode: wrong });
    expect(reply.body).toEqual({ status: "INCORRECT_USER_INPUT_CODE_ERROR", failedCodeInputAttemptCount: 1, maximumCodeInputAttempts: 5 });
    expect(reply.headers.get("front-token")).toBeNull();
  });

  it("EXPIRED_USER_INPUT_CODE_ERROR for the right code after its lifetime", async () => {
    app.clock.set(T0_MS);
    const c = app.client();
    const flow = await startFlow(app, c, { email: freshEmail() });
    app.clock.advance(10 * MINUTE);
    const reply = await consumeCode(c, { preAuthSessionId: flow.preAuthSessionId, deviceId: flow.deviceId, userInputCode: flow.message.userInputCode });
    expect(reply.body).toEqual({ status: "EXPIRED_USER_INPUT_CODE_ERROR", failedCodeInputAttemptCount: 1, maximumCodeInputAttempts: 5 });
    app.clock.set(T0_MS);
  });

  // SEC-44: a code is bound to its flow; another flow's device or link gets nothing and spends nothing.
  it("RESTART_FLOW_ERROR for an unknown flow, another flow's deviceId, or a wrong link", async () => {
    const c = app.client();
    const mine = await startFlow(app, c, { email: freshEmail() });
    const other = await startFlow(app, c, { email: freshEmail() });
    const restart = { status: "RESTART_FLOW_ERROR" };
    expect((await consumeCode(c, { preAuthSessionId: "bm9wZQ==", deviceId: mine.deviceId, userInputCode: "123456" })).body).toEqual(restart);
    expect((await consumeCode(c, { preAuthSessionId: mine.preAuthSessionId, deviceId: other.deviceId, userInputCode: mine.message.userInputCode })).body).toEqual(restart);
    expect((await consumeCode(c, { preAuthSessionId: mine.preAuthSessionId, linkCode: linkCodeOf(other.message) })).body).toEqual(restart);
    expect((await resendCode(c, { preAuthSessionId: mine.preAuthSessionId, deviceId: other.deviceId })).body).toEqual(restart);
    expect((await resendCode(c, { preAuthSessionId: "bm9wZQ==", deviceId: mine.deviceId })).body).toEqual(restart);
    // None of that spent an input: the right code still works.
    const ok = await consumeCode(c, { preAuthSessionId: mine.preAuthSessionId, deviceId: mine.deviceId, userInputCode: mine.message.userInputCode });
    expect(ok.body?.status).toBe("OK");
    expect((await resendCode(c, { preAuthSessionId: mine.preAuthSessionId, deviceId: mine.deviceId })).body).toEqual(restart);
  });

  it("resend OK sends a new code on the same flow; both codes then work until one is used", async () => {
    const email = freshEmail("resend");
    const c = app.client();
    const flow = await startFlow(app, c, { email });
    expect((await resendCode(c, { preAuthSessionId: flow.preAuthSessionId, deviceId: flow.deviceId })).body).toEqual({ status: "OK" });
    const second = lastMessage(app, email);
    expect(second).not.toBe(flow.message);
    expect(second.preAuthSessionId).toBe(flow.preAuthSessionId);
    expect(linkCodeOf(second)).not.toBe(linkCodeOf(flow.message));
    const reply = await consumeCode(c, { preAuthSessionId: flow.preAuthSessionId, deviceId: flow.deviceId, userInputCode: second.userInputCode });
    expect(reply.body?.status).toBe("OK");
  });

  it("GENERAL_ERROR with the validator's message for an invalid email or phone number", async () => {
    const c = app.client();
    expect((await createCode(c, { email: "not-an-email" })).body).toEqual({ status: "GENERAL_ERROR", message: "Email is invalid" });
    expect((await createCode(c, { phoneNumber: "+1 555 0100" })).body).toEqual({ status: "GENERAL_ERROR", message: "Phone number is invalid" });
    expect((await createCode(c, { phoneNumber: "0650 253 0000" })).body).toEqual({ status: "GENERAL_ERROR", message: "Phone number is invalid" });
    expect(app.rows("SELECT * FROM passwordless_devices WHERE email = 'not-an-email'")).toEqual([]);
  });

  it("GENERAL_ERROR when the message cannot be sent, and the unsent code is gone", async () => {
    const email = freshEmail("unsent");
    const c = app.client();
    const flow = await startFlow(app, c, { email });
    app.failDelivery = new Error("SMTP is down");
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      expect((await createCode(c, { email })).body).toEqual({ status: "GENERAL_ERROR", message: "The code could not be sent: please try again" });
      expect((await resendCode(c, { preAuthSessionId: flow.preAuthSessionId, deviceId: flow.deviceId })).body).toEqual({ status: "GENERAL_ERROR", message: "The code could not be sent: please try again" });
    } finally {
      app.failDelivery = undefined;
      console.error = original;
    }
    expect(errors).toHaveLength(2);
    const devices = app.rows<{ pre_auth_session_id: string }>("SELECT pre_auth_session_id FROM passwordless_devices WHERE email = ?", email);
    expect(devices.map((d) => d.pre_auth_session_id)).toEqual([flow.preAuthSessionId]);
    expect(app.rows("SELECT code_id FROM passwordless_codes WHERE pre_auth_session_id = ?", flow.preAuthSessionId)).toHaveLength(1);
  });
});

describe("exists checks", () => {
  const app = passwordlessApp();

  it("answer for emails and phone numbers, on both spellings of the phone route and the deprecated paths", async () => {
    const email = freshEmail("exists");
    const phone = freshPhone();
    const c = app.client();
    const exists = async (path: string) => (await c.request("GET", path)).body;
    expect(await exists(`/auth/passwordless/email/exists?email=${encodeURIComponent(email)}`)).toEqual({ status: "OK", exists: false });
    await signInWithCode(app, c, { email });
    await signInWithCode(app, c, { phoneNumber: phone });
    expect(await exists(`/auth/passwordless/email/exists?email=${encodeURIComponent(` ${email.toUpperCase()} `)}`)).toEqual({ status: "OK", exists: true });
    for (const path of ["/auth/passwordless/phonenumber/exists", "/auth/passwordless/phoneNumber/exists", "/auth/signup/phonenumber/exists", "/auth/signup/phoneNumber/exists"]) {
      expect(await exists(`${path}?phoneNumber=${encodeURIComponent(phone)}`)).toEqual({ status: "OK", exists: true });
      expect(await exists(`${path}?phoneNumber=${encodeURIComponent(freshPhone())}`)).toEqual({ status: "OK", exists: false });
    }
    // The deprecated email path belongs to emailpassword when both recipes are on.
    expect(await exists(`/auth/signup/email/exists?email=${encodeURIComponent(email)}`)).toEqual({ status: "OK", exists: false });
    const missing = await c.request("GET", "/auth/passwordless/phonenumber/exists");
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ message: "Please provide the phoneNumber as a GET param" });
  });
});

describe("tenants", () => {
  const app = passwordlessApp();

  // SEC-44: the same code presented in another tenant restarts the flow.
  it("binds a flow to its tenant and keeps users per tenant", async () => {
    const email = freshEmail("tenant");
    const c = app.client();
    const created = await createCode(c, { email }, "/auth/acme/signinup/code");
    const message = lastMessage(app, email);
    expect(message.tenantId).toBe("acme");
    expect(new URL(message.urlWithLinkCode as string).searchParams.get("tenantId")).toBe("acme");
    const body = { preAuthSessionId: created.body?.preAuthSessionId, deviceId: created.body?.deviceId, userInputCode: message.userInputCode };
    expect((await consumeCode(c, body)).body).toEqual({ status: "RESTART_FLOW_ERROR" });
    expect((await consumeCode(c, body, "/auth/other/signinup/code/consume")).body).toEqual({ status: "RESTART_FLOW_ERROR" });
    const inAcme = await consumeCode(c, body, "/auth/acme/signinup/code/consume");
    expect(inAcme.body).toMatchObject({ status: "OK", user: { tenantIds: ["acme"] } });
    expect(c.frontPayload()?.tId).toBe("acme");
    const inPublic = await signInWithCode(app, app.client(), { email });
    expect(inPublic.body).toMatchObject({ status: "OK", createdNewRecipeUser: true, user: { tenantIds: ["public"] } });
    expect((await c.request("GET", `/auth/acme/passwordless/email/exists?email=${encodeURIComponent(email)}`)).body).toEqual({ status: "OK", exists: true });
    expect((await c.request("POST", "/auth/nosuchtenant/signinup/code", { body: { email } })).status).toBe(404);
  });
});

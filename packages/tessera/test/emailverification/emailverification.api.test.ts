/**
 * Email verification over HTTP (protocol 4.6): the `st-ev` claim in new sessions, the global
 * `isVerified` validator in REQUIRED mode, and the three endpoints with their exact answers.
 */
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/core/crypto/random.js";
import { getInstance } from "../../src/core/instance.js";
import EmailPassword from "../../src/recipe/emailpassword/index.js";
import EmailVerification from "../../src/recipe/emailverification/index.js";
import { Client } from "../helpers/app.js";
import { EV_FALSE_403, evApp, evClaim, newEmail, requestToken, signUp, tokenOf } from "./helpers.js";

describe("EmailVerification in REQUIRED mode", () => {
  const app = evApp();

  it("gives a new session st-ev false and refuses every verifySession route with the st-ev 403", async () => {
    const { client } = await signUp(app);
    expect(evClaim(client)).toEqual({ v: false, t: app.clock.now() });
    const reply = await client.request("GET", "/protected");
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual(EV_FALSE_403);
  });

  it("sends a link to the user's stored email through the app's delivery function", async () => {
    const { client, userId } = await signUp(app, `  Mixed.Case@Example.COM  `.replace("Mixed.Case", `m${Date.now()}`));
    const token = await requestToken(app, client);
    const mail = app.mails.at(-1);
    expect(mail?.type).toBe("EMAIL_VERIFICATION");
    expect(mail?.user).toEqual({ id: userId, recipeUserId: userId, email: expect.stringMatching(/^m\d+@example\.com$/) });
    expect(mail?.tenantId).toBe("public");
    expect(mail?.emailVerifyLink).toBe(`http://127.0.0.1/auth/verify-email?token=${token}&tenantId=public`);
    // 32 random bytes, base64url.
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("stores the token only as its sha256", async () => {
    const { client } = await signUp(app);
    const token = await requestToken(app, client);
    const store = getInstance().storage.emailVerification;
    expect(await store.consumeToken(token, app.clock.now())).toBeNull();
    expect(await store.consumeToken(sha256Hex(token), app.clock.now())).not.toBeNull();
  });

  it("verifies with the token and sets st-ev true in the same response, after which routes pass", async () => {
    const { client, userId } = await signUp(app);
    const token = await requestToken(app, client);
    const reply = await client.request("POST", "/auth/user/email/verify", { body: { method: "token", token } });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: "OK" });
    expect(reply.headers.get("front-token")).not.toBeNull();
    expect(evClaim(client)).toEqual({ v: true, t: app.clock.now() });
    expect((await client.request("GET", "/protected")).body).toEqual({ userId });
  });

  it("accepts a token once: the second use is EMAIL_VERIFICATION_INVALID_TOKEN_ERROR", async () => {
    const { client } = await signUp(app);
    const token = await requestToken(app, client);
    expect((await client.request("POST", "/auth/user/email/verify", { body: { method: "token", token } })).body).toEqual({ status: "OK" });
    const again = await client.request("POST", "/auth/user/email/verify", { body: { method: "token", token } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ status: "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR" });
  });

  it("voids earlier links when one of them is used", async () => {
    const { client } = await signUp(app);
    const first = await requestToken(app, client);
    const second = await requestToken(app, client);
    expect((await new Client(app.url).request("POST", "/auth/user/email/verify", { body: { method: "token", token: second } })).body).toEqual({ status: "OK" });
    expect((await new Client(app.url).request("POST", "/auth/user/email/verify", { body: { method: "token", token: first } })).body).toEqual({
      status: "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR",
    });
  });

  it("refuses an unknown token and a token used in another tenant (which spends it)", async () => {
    const anonymous = new Client(app.url);
    expect((await anonymous.request("POST", "/auth/user/email/verify", { body: { method: "token", token: "not-a-token" } })).body).toEqual({
      status: "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR",
    });
    const { client } = await signUp(app);
    const token = await requestToken(app, client);
    expect((await anonymous.request("POST", "/auth/acme/user/email/verify", { body: { method: "token", token } })).body).toEqual({
      status: "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR",
    });
    expect((await anonymous.request("POST", "/auth/user/email/verify", { body: { method: "token", token } })).body).toEqual({
      status: "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR",
    });
  });

  it("answers 400 for a missing, non-string or unsupported token, and a body that is not an object", async () => {
    const client = new Client(app.url);
    const cases: [unknown, string][] = [
      [{ method: "token" }, "Please provide the email verification token"],
      [{ method: "token", token: 42 }, "The email verification token must be a string"],
      [{ method: "link", token: "x" }, 'Unsupported method: only "token" is supported'],
      [["token"], "Request body must be a JSON object"],
    ];
    for (const [body, message] of cases) {
      const reply = await client.request("POST", "/auth/user/email/verify", { body });
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({ message });
    }
  });

  it("answers 401 to the session endpoints without a session", async () => {
    const client = new Client(app.url);
    expect((await client.request("POST", "/auth/user/email/verify/token")).status).toBe(401);
    expect((await client.request("GET", "/auth/user/email/verify")).status).toBe(401);
  });

  it("GET /user/email/verify answers the truth and sets st-ev to it", async () => {
    const { client, userId, email } = await signUp(app);
    expect((await client.request("GET", "/auth/user/email/verify")).body).toEqual({ status: "OK", isVerified: false });
    const { token } = (await EmailVerification.createEmailVerificationToken("public", userId)) as { token: string };
    await EmailVerification.verifyEmailUsingToken("public", token);
    expect(await EmailVerification.isEmailVerified(userId, email)).toBe(true);
    const reply = await client.request("GET", "/auth/user/email/verify");
    expect(reply.body).toEqual({ status: "OK", isVerified: true });
    expect(evClaim(client)?.v).toBe(true);
  });

  it("leaves another user's session alone when they open someone else's link", async () => {
    const owner = await signUp(app);
    const other = await signUp(app);
    const token = await requestToken(app, owner.client);
    const reply = await other.client.request("POST", "/auth/user/email/verify", { body: { method: "token", token } });
    expect(reply.body).toEqual({ status: "OK" });
    expect(reply.headers.get("front-token")).toBeNull();
    expect(evClaim(other.client)?.v).toBe(false);
    expect(await EmailVerification.isEmailVerified(owner.userId)).toBe(true);
  });

  it("answers EMAIL_ALREADY_VERIFIED_ERROR once verified elsewhere, and updates the stale session in that response", async () => {
    const { client, userId } = await signUp(app);
    const link = await EmailVerification.createEmailVerificationLink("public", userId);
    expect(link.status).toBe("OK");
    const token = new URL((link as { link: string }).link).searchParams.get("token") as string;
    expect((await new Client(app.url).request("POST", "/auth/user/email/verify", { body: { method: "token", token } })).body).toEqual({ status: "OK" });
    const mails = app.mails.length;
    const reply = await client.request("POST", "/auth/user/email/verify/token");
    expect(reply.body).toEqual({ status: "EMAIL_ALREADY_VERIFIED_ERROR" });
    expect(app.mails).toHaveLength(mails);
    expect(evClaim(client)?.v).toBe(true);
  });

  it("sets a stale true st-ev to false when a link is asked for an email that is no longer verified", async () => {
    const { client, userId } = await signUp(app);
    const token = await requestToken(app, client);
    await client.request("POST", "/auth/user/email/verify", { body: { method: "token", token } });
    expect(evClaim(client)?.v).toBe(true);
    await EmailVerification.unverifyEmail(userId);
    expect((await client.request("POST", "/auth/user/email/verify/token")).body).toEqual({ status: "OK" });
    expect(evClaim(client)?.v).toBe(false);
  });

  it("treats a changed email as unverified until it is verified itself", async () => {
    const { client, userId } = await signUp(app);
    const token = await requestToken(app, client);
    await client.request("POST", "/auth/user/email/verify", { body: { method: "token", token } });
    expect(await EmailPassword.updateEmailOrPassword({ recipeUserId: userId, email: newEmail() })).toEqual({ status: "OK" });
    expect(await EmailVerification.isEmailVerified(userId)).toBe(false);
    expect((await client.request("GET", "/auth/user/email/verify")).body).toEqual({ status: "OK", isVerified: false });
    expect((await client.request("GET", "/protected")).status).toBe(403);
  });

  it("revokes unused links with revokeEmailVerificationTokens", async () => {
    const { client, userId } = await signUp(app);
    const token = await requestToken(app, client);
    expect(await EmailVerification.revokeEmailVerificationTokens("public", userId)).toEqual({ status: "OK" });
    expect((await client.request("POST", "/auth/user/email/verify", { body: { method: "token", token } })).body).toEqual({
      status: "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR",
    });
  });

  it("sends the email with sendEmailVerificationEmail and refuses it for a verified email", async () => {
    const { userId, email } = await signUp(app);
    expect(await EmailVerification.sendEmailVerificationEmail("public", userId, userId)).toEqual({ status: "OK" });
    const mail = app.mails.at(-1);
    expect(mail?.user).toEqual({ id: userId, recipeUserId: userId, email });
    await EmailVerification.verifyEmailUsingToken("public", tokenOf(mail!));
    expect(await EmailVerification.sendEmailVerificationEmail("public", userId, userId)).toEqual({ status: "EMAIL_ALREADY_VERIFIED_ERROR" });
    expect(await EmailVerification.createEmailVerificationToken("public", { getAsString: () => userId })).toEqual({ status: "EMAIL_ALREADY_VERIFIED_ERROR" });
  });

  it("signs out (401) a session whose user no provider knows", async () => {
    const reply = await new Client(app.url).request("POST", "/test/login", { body: { userId: "nobody-knows-me" } });
    expect(reply.status).toBe(401);
  });
});

describe("EmailVerification refetch rules over HTTP", () => {
  const app = evApp();

  it("lets a session through within refetchTimeOnFalse (10 s) of a verification made without it", async () => {
    const { client, userId } = await signUp(app);
    const token = await requestToken(app, client);
    await new Client(app.url).request("POST", "/auth/user/email/verify", { body: { method: "token", token } });
    app.clock.advance(10_000);
    expect((await client.request("GET", "/protected")).status).toBe(403);
    app.clock.advance(1);
    const reply = await client.request("GET", "/protected");
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ userId });
    expect(evClaim(client)).toEqual({ v: true, t: app.clock.now() });
  });

  it("keeps a true value without a max age, and refetches it after maxAgeInSeconds when the route asks", async () => {
    const { client, userId } = await signUp(app);
    const token = await requestToken(app, client);
    await client.request("POST", "/auth/user/email/verify", { body: { method: "token", token } });
    await EmailVerification.unverifyEmail(userId);
    app.clock.advance(60_000);
    expect((await client.request("GET", "/protected")).status).toBe(200);
    expect((await client.request("GET", "/strict")).status).toBe(200);
    app.clock.advance(1);
    const reply = await client.request("GET", "/strict");
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual(EV_FALSE_403);
  });
});

describe("EmailVerification in OPTIONAL mode", () => {
  const app = evApp({ mode: "OPTIONAL" });

  it("adds st-ev to sessions but no global validator: only routes that ask refuse an unverified email", async () => {
    const { client, userId } = await signUp(app);
    expect(evClaim(client)?.v).toBe(false);
    expect((await client.request("GET", "/protected")).body).toEqual({ userId });
    const reply = await client.request("GET", "/opt-in");
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual({
      message: "invalid claim",
      claimValidationErrors: [{ id: "ev-opt-in", reason: { message: "wrong value", expectedValue: true, actualValue: false } }],
    });
  });
});

describe("EmailVerification for users without an email", () => {
  const app = evApp({
    getEmailForRecipeUserId: async (recipeUserId) => (recipeUserId.startsWith("phone-") ? { status: "EMAIL_DOES_NOT_EXIST_ERROR" } : { status: "UNKNOWN_USER_ID_ERROR" }),
  });

  it("counts them as verified: st-ev true, EMAIL_ALREADY_VERIFIED_ERROR, isVerified true", async () => {
    const client = new Client(app.url);
    expect((await client.request("POST", "/test/login", { body: { userId: "phone-1" } })).status).toBe(200);
    expect(evClaim(client)?.v).toBe(true);
    expect((await client.request("GET", "/protected")).body).toEqual({ userId: "phone-1" });
    expect((await client.request("POST", "/auth/user/email/verify/token")).body).toEqual({ status: "EMAIL_ALREADY_VERIFIED_ERROR" });
    expect((await client.request("GET", "/auth/user/email/verify")).body).toEqual({ status: "OK", isVerified: true });
    expect(await EmailVerification.isEmailVerified("phone-1")).toBe(true);
  });

  it("falls back to the built-in lookup when the app's function does not know the user", async () => {
    const { client } = await signUp(app);
    expect(evClaim(client)?.v).toBe(false);
  });
});

describe("EmailVerification token lifetime", () => {
  const app = evApp({ emailVerificationTokenLifetime: 60 });

  it("accepts a token until just before its lifetime ends, and refuses it at the end", async () => {
    const { client } = await signUp(app);
    const early = await requestToken(app, client);
    app.clock.advance(60_000 - 1);
    expect((await client.request("POST", "/auth/user/email/verify", { body: { method: "token", token: early } })).body).toEqual({ status: "OK" });
    const other = await signUp(app);
    const late = await requestToken(app, other.client);
    app.clock.advance(60_000);
    expect((await other.client.request("POST", "/auth/user/email/verify", { body: { method: "token", token: late } })).body).toEqual({
      status: "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR",
    });
  });
});

describe("EmailVerification.init", () => {
  it("needs a mode, and checks the delivery, lookup and lifetime it is given", () => {
    expect(() => EmailVerification.init(undefined as never)).toThrow(/mode: "REQUIRED"/);
    expect(() => EmailVerification.init({ mode: "ALWAYS" as never })).toThrow(/mode/);
    expect(() => EmailVerification.init({ mode: "REQUIRED", emailDelivery: {} as never })).toThrow(/sendEmail/);
    expect(() => EmailVerification.init({ mode: "REQUIRED", getEmailForRecipeUserId: "x" as never })).toThrow(/getEmailForRecipeUserId/);
    expect(() => EmailVerification.init({ mode: "REQUIRED", emailVerificationTokenLifetime: 0 })).toThrow(/positive/);
  });
});

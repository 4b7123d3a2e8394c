/** Password reset end to end: the emailed link, single use, expiry, session revocation (ASVS 6.4, 7.4.3). */
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import EmailPassword from "../../src/recipe/emailpassword/index.js";
import Session from "../../src/recipe/session/index.js";
import { fields, PASSWORD, signUp, startEmailPasswordApp, type EmailPasswordTestApp } from "./helpers.js";

const NEW_PASSWORD = "a brand new passphrase";
const MINUTE = 60_000;

let app: EmailPasswordTestApp;
afterEach(async () => app?.close());

/** Asks for a reset email through the API and returns the token from its link. */
async function requestToken(email: string, tenantPath = ""): Promise<string> {
  const mail = app.nextMail();
  const response = await app.client().request("POST", `/auth${tenantPath}/user/password/reset/token`, { body: fields({ email }) });
  expect(response.body).toEqual({ status: "OK" });
  return new URL((await mail).passwordResetLink).searchParams.get("token") as string;
}

function reset(token: string, password = NEW_PASSWORD, tenantPath = "") {
  return app.client().request("POST", `/auth${tenantPath}/user/password/reset`, { body: { method: "token", token, ...fields({ password }) } });
}

function signIn(email: string, password: string) {
  return app.client().request("POST", "/auth/signin", { body: fields({ email, password }) });
}

describe("password reset", () => {
  it("mails the link to the stored address, however the request spelled it", async () => {
    app = await startEmailPasswordApp();
    const id = await signUp(app, "alice@example.com");
    const mail = app.nextMail();
    await app.client().request("POST", "/auth/user/password/reset/token", { body: fields({ email: "  ALICE@Example.COM " }) });
    const sent = await mail;
    expect(sent).toMatchObject({ type: "PASSWORD_RESET", user: { id, email: "alice@example.com" }, tenantId: "public" });
    expect(sent.passwordResetLink).toMatch(/^http:\/\/127\.0\.0\.1\/auth\/reset-password\?token=[A-Za-z0-9_-]{43}&tenantId=public$/);
  });

  it("sets the new password with the emailed token: the new one signs in, the old one no longer does", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "alice@example.com");
    const response = await reset(await requestToken("alice@example.com"));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: "OK" });
    expect((await signIn("alice@example.com", NEW_PASSWORD)).body?.status).toBe("OK");
    expect((await signIn("alice@example.com", PASSWORD)).body).toEqual({ status: "WRONG_CREDENTIALS_ERROR" });
  });

  it("stores only the sha256 of the token", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "alice@example.com");
    const token = await requestToken("alice@example.com");
    const rows = await app.driver.all<{ token_hash: string }>("SELECT token_hash FROM emailpassword_reset_tokens");
    expect(rows).toEqual([{ token_hash: createHash("sha256").update(token).digest("hex") }]);
  });

  it("rejects a token used once already", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "alice@example.com");
    const token = await requestToken("alice@example.com");
    expect((await reset(token)).body).toEqual({ status: "OK" });
    expect((await reset(token, "yet another passphrase")).body).toEqual({ status: "RESET_PASSWORD_INVALID_TOKEN_ERROR" });
    expect((await signIn("alice@example.com", NEW_PASSWORD)).body?.status).toBe("OK");
  });

  it("voids the user's other outstanding tokens when one is used", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "alice@example.com");
    const first = await requestToken("alice@example.com");
    const second = await requestToken("alice@example.com");
    expect((await reset(second)).body).toEqual({ status: "OK" });
    expect((await reset(first)).body).toEqual({ status: "RESET_PASSWORD_INVALID_TOKEN_ERROR" });
  });

  it("accepts a token until just before 15 minutes have passed", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "alice@example.com");
    const token = await requestToken("alice@example.com");
    app.clock.advance(15 * MINUTE - 1);
    expect((await reset(token)).body).toEqual({ status: "OK" });
  });

  it("rejects a token once 15 minutes have passed", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "alice@example.com");
    const token = await requestToken("alice@example.com");
    app.clock.advance(15 * MINUTE);
    expect((await reset(token)).body).toEqual({ status: "RESET_PASSWORD_INVALID_TOKEN_ERROR" });
    expect((await signIn("alice@example.com", PASSWORD)).body?.status).toBe("OK");
  });

  it("honours a configured resetTokenLifetime in seconds", async () => {
    app = await startEmailPasswordApp({ emailPassword: { resetTokenLifetime: 60 } });
    await signUp(app, "alice@example.com");
    const token = await requestToken("alice@example.com");
    app.clock.advance(MINUTE);
    expect((await reset(token)).body).toEqual({ status: "RESET_PASSWORD_INVALID_TOKEN_ERROR" });
  });

  it("keeps the token usable when the new password breaks the policy", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "alice@example.com");
    const token = await requestToken("alice@example.com");
    expect((await reset(token, "password")).body).toEqual({ status: "FIELD_ERROR", formFields: [{ id: "password", error: "This password is too common: choose one that is harder to guess" }] });
    expect((await reset(token)).body).toEqual({ status: "OK" });
  });

  it("revokes every session of the user, in every tenant (ASVS 7.4.3)", async () => {
    app = await startEmailPasswordApp();
    const id = await signUp(app, "alice@example.com");
    const browser = app.client();
    const phone = app.client("header");
    for (const client of [browser, phone]) await client.request("POST", "/auth/signin", { body: fields({ email: "alice@example.com", password: PASSWORD }) });
    await Session.createNewSessionWithoutRequestResponse("tenant-b", id);
    expect(await Session.getAllSessionHandlesForUser(id)).toHaveLength(4);
    expect((await reset(await requestToken("alice@example.com"))).body).toEqual({ status: "OK" });
    expect(await Session.getAllSessionHandlesForUser(id)).toEqual([]);
    expect((await browser.request("GET", "/t/session")).status).toBe(401);
    expect((await phone.refresh()).status).toBe(401);
  });

  it("does not sign the user in, so it cannot bypass a second factor (SEC-35)", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "alice@example.com");
    const token = await requestToken("alice@example.com");
    const sessionsBefore = await app.count("sessions");
    const client = app.client();
    const response = await client.request("POST", "/auth/user/password/reset", { body: { token, ...fields({ password: NEW_PASSWORD }) } });
    expect(response.body).toEqual({ status: "OK" });
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get("front-token")).toBeNull();
    expect(response.headers.get("st-access-token")).toBeNull();
    expect(await app.count("sessions")).toBeLessThanOrEqual(sessionsBefore);
    expect((await client.request("GET", "/t/session")).status).toBe(401);
  });

  it("voids a token when the user's email changed after it was issued", async () => {
    app = await startEmailPasswordApp();
    const id = await signUp(app, "alice@example.com");
    const token = await requestToken("alice@example.com");
    expect(await EmailPassword.updateEmailOrPassword({ recipeUserId: id, email: "alice@new.example.com" })).toEqual({ status: "OK" });
    expect((await reset(token)).body).toEqual({ status: "RESET_PASSWORD_INVALID_TOKEN_ERROR" });
  });

  it("rejects a token presented on another tenant's path", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "alice@example.com", PASSWORD, "/tenant-b");
    const token = await requestToken("alice@example.com", "/tenant-b");
    expect((await reset(token, NEW_PASSWORD, "/tenant-c")).body).toEqual({ status: "RESET_PASSWORD_INVALID_TOKEN_ERROR" });
  });

  it("puts the tenant of the path into the link", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "alice@example.com", PASSWORD, "/tenant-b");
    const mail = app.nextMail();
    await app.client().request("POST", "/auth/tenant-b/user/password/reset/token", { body: fields({ email: "alice@example.com" }) });
    expect((await mail).passwordResetLink).toMatch(/&tenantId=tenant-b$/);
  });
});

describe("password reset module functions", () => {
  it("resetPasswordUsingToken applies the policy, then resets with a token from createResetPasswordToken", async () => {
    app = await startEmailPasswordApp();
    const id = await signUp(app, "alice@example.com");
    const created = await EmailPassword.createResetPasswordToken("public", id, "alice@example.com");
    if (created.status !== "OK") throw new Error("no token");
    expect(await EmailPassword.resetPasswordUsingToken("public", created.token, "1234567")).toEqual({
      status: "PASSWORD_POLICY_VIOLATED_ERROR",
      failureReason: "Password must be at least 8 characters long",
    });
    expect(await EmailPassword.resetPasswordUsingToken("public", created.token, NEW_PASSWORD)).toEqual({ status: "OK" });
    expect(await EmailPassword.resetPasswordUsingToken("public", created.token, NEW_PASSWORD)).toEqual({ status: "RESET_PASSWORD_INVALID_TOKEN_ERROR" });
  });

  it("createResetPasswordToken answers UNKNOWN_USER_ID_ERROR for an email that is not the user's", async () => {
    app = await startEmailPasswordApp();
    const id = await signUp(app, "alice@example.com");
    expect(await EmailPassword.createResetPasswordToken("public", id, "mallory@example.com")).toEqual({ status: "UNKNOWN_USER_ID_ERROR" });
    expect(await EmailPassword.createResetPasswordToken("public", "no-such-user", "alice@example.com")).toEqual({ status: "UNKNOWN_USER_ID_ERROR" });
  });

  it("sendResetPasswordEmail waits for the delivery and sends a working link", async () => {
    app = await startEmailPasswordApp();
    const id = await signUp(app, "alice@example.com");
    expect(await EmailPassword.sendResetPasswordEmail("public", id, "Alice@example.com")).toEqual({ status: "OK" });
    expect(app.mails).toHaveLength(1);
    const token = new URL(app.mails[0]!.passwordResetLink).searchParams.get("token") as string;
    expect((await EmailPassword.consumePasswordResetToken("public", token))).toEqual({ status: "OK", userId: id, email: "alice@example.com" });
  });

  it("createResetPasswordLink builds the link the email would carry", async () => {
    app = await startEmailPasswordApp();
    const id = await signUp(app, "alice@example.com");
    const result = await EmailPassword.createResetPasswordLink("public", id, "alice@example.com");
    expect(result.status === "OK" && result.link).toMatch(/^http:\/\/127\.0\.0\.1\/auth\/reset-password\?token=[A-Za-z0-9_-]{43}&tenantId=public$/);
  });
});

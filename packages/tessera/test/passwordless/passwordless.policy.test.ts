/**
 * A passwordless sign-in is a first factor, never also the second (issue 8, "2FA as a policy":
 * every first factor is followed by the second factor when the policy says so, with no path that
 * skips it). Before the fix, a policy whose second factors included otp-email (the default list,
 * when Passwordless is loaded) was satisfied by the very code that signed the user in, and a
 * magic-link sign-in recorded both link-email and otp-email in `st-mfa.c`.
 */
import { describe, expect, it } from "vitest";
import { base32Decode } from "../../src/core/crypto/base32.js";
import { totpCode } from "../../src/core/crypto/otp.js";
import { NO_SECOND_FACTOR_AVAILABLE } from "../../src/recipe/multifactorauth/recipe.js";
import { Client, consumeCode, freshEmail, linkCodeOf, mfaClaim, passwordlessApp, signInWithCode, signInWithPassword, signUpWithPassword, startFlow, type PasswordlessApp } from "./helpers.js";

const guarded = async (c: Client) => (await c.request("GET", "/t/guarded")).status;

async function signInWithLink(app: PasswordlessApp, c: Client, email: string) {
  const flow = await startFlow(app, c, { email });
  const reply = await consumeCode(c, { preAuthSessionId: flow.preAuthSessionId, linkCode: linkCodeOf(flow.message) });
  expect(reply.body?.status, JSON.stringify(reply.body)).toBe("OK");
}

async function enrolTotp(app: PasswordlessApp, c: Client): Promise<string> {
  const created = await c.request("POST", "/auth/totp/device", { body: { deviceName: "phone" } });
  expect(created.body?.status, JSON.stringify(created.body)).toBe("OK");
  const secret = created.body?.secret as string;
  const verified = await c.request("POST", "/auth/totp/device/verify", { body: { deviceName: "phone", totp: totpCode(base32Decode(secret), app.clock.now()) } });
  expect(verified.body?.status, JSON.stringify(verified.body)).toBe("OK");
  return secret;
}

describe('policy "everyone" over every available second factor (otp-email among them)', () => {
  const app = passwordlessApp({ mfa: { policy: "everyone" } });

  it("an emailed code signs in with c = {otp-email} and v: false; the guarded route answers 403", async () => {
    const c = app.client();
    expect((await signInWithCode(app, c, { email: freshEmail() })).body?.status).toBe("OK");
    expect(Object.keys(mfaClaim(c)!.c)).toEqual(["otp-email"]);
    expect(mfaClaim(c)!.v).toBe(false);
    expect(await guarded(c)).toBe(403);
  });

  it("a magic link records link-email alone as the first factor, and v stays false", async () => {
    const c = app.client();
    await signInWithLink(app, c, freshEmail());
    expect(Object.keys(mfaClaim(c)!.c)).toEqual(["link-email"]);
    expect(mfaClaim(c)!.v).toBe(false);
    expect(await guarded(c)).toBe(403);
  });

  it("after an emailed code, a magic link to the same inbox is not offered as the second factor and does not complete it", async () => {
    const email = freshEmail();
    const c = app.client();
    await signInWithCode(app, c, { email });
    const info = await c.request("PUT", "/auth/mfa/info");
    const next = (info.body?.factors as { next: string[] }).next;
    expect(next).toContain("totp"); // and a phone the user adds: another channel
    expect(next).not.toContain("otp-email");
    expect(next).not.toContain("link-email");
    const flow = await startFlow(app, c, { email, shouldTryLinkingWithSessionUser: true });
    const reply = await consumeCode(c, { preAuthSessionId: flow.preAuthSessionId, linkCode: linkCodeOf(flow.message), shouldTryLinkingWithSessionUser: true });
    expect(reply.status).not.toBe(500);
    expect(mfaClaim(c)!.v).toBe(false);
    expect(await guarded(c)).toBe(403);
  });

  it("an email-password sign-in still completes with a code to the same email as its second factor", async () => {
    const email = freshEmail();
    const c = app.client();
    await signUpWithPassword(c, email);
    expect(mfaClaim(c)!.v).toBe(false);
    const flow = await startFlow(app, c, { email, shouldTryLinkingWithSessionUser: true });
    const reply = await consumeCode(c, { preAuthSessionId: flow.preAuthSessionId, deviceId: flow.deviceId, userInputCode: flow.message.userInputCode, shouldTryLinkingWithSessionUser: true });
    expect(reply.body?.status, JSON.stringify(reply.body)).toBe("OK");
    expect(mfaClaim(c)!.v).toBe(true);
    expect(await guarded(c)).toBe(200);
  });
});

describe('policy "users-with-factors"', () => {
  const app = passwordlessApp({ mfa: { policy: "users-with-factors" } });

  it("a passwordless user owes nothing until they set up TOTP; then a code sign-in is refused until the TOTP code", async () => {
    const email = freshEmail();
    const setup = app.client();
    await signInWithCode(app, setup, { email });
    // Their login method is not a second factor they set up: with no other factor, nothing is due.
    expect(mfaClaim(setup)!.v).toBe(true);
    expect(await guarded(setup)).toBe(200);
    const secret = await enrolTotp(app, setup);

    app.clock.advance(30_000); // the replay guard takes one code per step
    const later = app.client();
    await signInWithCode(app, later, { email });
    expect(mfaClaim(later)!.v).toBe(false);
    expect(await guarded(later)).toBe(403);
    const verified = await later.request("POST", "/auth/totp/verify", { body: { totp: totpCode(base32Decode(secret), app.clock.now()) } });
    expect(verified.body?.status, JSON.stringify(verified.body)).toBe("OK");
    expect(await guarded(later)).toBe(200);
  });

  it("an email-password user without a factor passes (nothing is due)", async () => {
    const email = freshEmail();
    await signUpWithPassword(app.client(), email);
    const c = app.client();
    expect((await signInWithPassword(c, email)).body?.status).toBe("OK");
    expect(mfaClaim(c)!.v).toBe(true);
    expect(await guarded(c)).toBe(200);
  });
});

describe("a policy whose only second factor is the one the user signed in with", () => {
  const app = passwordlessApp({ mfa: { policy: { require: "everyone", factors: ["otp-email"] } } });

  it("leaves the session unverified (an unmeetable requirement) instead of letting the code count twice", async () => {
    const c = app.client();
    await signInWithCode(app, c, { email: freshEmail() });
    expect(mfaClaim(c)!.v).toBe(false);
    expect(await guarded(c)).toBe(403);
    const info = await c.request("PUT", "/auth/mfa/info");
    expect(info.body?.status).toBe("OK");
    expect((info.body?.factors as { next: string[] }).next).not.toContain("otp-email");
    expect(NO_SECOND_FACTOR_AVAILABLE).toMatch(/^[a-z-]+$/);
  });

  it("an email-password sign-in completes it with the emailed code", async () => {
    const email = freshEmail();
    const c = app.client();
    await signUpWithPassword(c, email);
    const flow = await startFlow(app, c, { email, shouldTryLinkingWithSessionUser: true });
    await consumeCode(c, { preAuthSessionId: flow.preAuthSessionId, deviceId: flow.deviceId, userInputCode: flow.message.userInputCode, shouldTryLinkingWithSessionUser: true });
    expect(mfaClaim(c)!.v).toBe(true);
    expect(await guarded(c)).toBe(200);
  });
});

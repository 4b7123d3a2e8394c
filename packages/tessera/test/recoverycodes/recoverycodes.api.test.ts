/**
 * Recovery codes over real HTTP (issue 7): who may create them, using one to complete the
 * second factor under each way MFA can require it, the lost-phone path, and the module API.
 */
import { describe, expect, it } from "vitest";
import MultiFactorAuth from "../../src/recipe/multifactorauth/index.js";
import RecoveryCodes from "../../src/recipe/recoverycodes/index.js";
import { codeFor, enrolTotp, freshEmail, limitsApp, mfaClaim, signIn, signUp, T0_MS, userWithCodes, verifyCode, verifyTotp } from "../limits/helpers.js";

const MINUTE = 60_000;
const create = (c: { request: (m: string, p: string) => Promise<{ status: number; body: Record<string, unknown> | undefined }> }) => c.request("POST", "/auth/recovery-codes");

describe("creating recovery codes", () => {
  const app = limitsApp();

  it("gives ten distinct codes, shown once, right after the first TOTP device is verified", async () => {
    app.clock.set(T0_MS);
    const { client, codes, userId } = await userWithCodes(app);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
    expect((await client.request("GET", "/auth/recovery-codes")).body).toEqual({ status: "OK", remainingCodes: 10 });
    expect(await MultiFactorAuth.getFactorsSetupForUser(userId)).toEqual(expect.arrayContaining(["emailpassword", "totp", "recovery-code"]));
  });

  it("answers NO_SECOND_FACTOR_ERROR to a user who has no other second factor", async () => {
    app.clock.set(T0_MS + 10 * MINUTE);
    const c = app.client();
    await signUp(c, freshEmail("nofactor"));
    expect((await create(c)).body).toEqual({ status: "NO_SECOND_FACTOR_ERROR" });
  });

  it("refuses a session that has only passed the password (403 st-mfa), before and after MFA is due", async () => {
    app.clock.set(T0_MS + 20 * MINUTE);
    const { email } = await userWithCodes(app);
    app.clock.advance(MINUTE);
    const c = app.client();
    expect((await signIn(c, email)).body?.status).toBe("OK");
    const refused = await create(c);
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ message: "invalid claim", claimValidationErrors: [{ id: "st-mfa", reason: { message: "MFA requirement for auth is not satisfied" } }] });
  });

  it("needs the second factor completed within 15 minutes to replace the set", async () => {
    app.clock.set(T0_MS + 40 * MINUTE);
    const { client, secret, codes } = await userWithCodes(app);
    app.clock.advance(16 * MINUTE);
    const stale = await create(client);
    expect(stale.status).toBe(403);
    expect(stale.body?.claimValidationErrors).toEqual([
      { id: "st-mfa", reason: { message: "a second factor must be completed recently to create recovery codes", oneOf: ["totp", "recovery-code"], maxAgeInSeconds: 900 } },
    ]);
    expect((await verifyTotp(client, codeFor(secret, app.clock.now()))).body).toEqual({ status: "OK" });
    const fresh = await create(client);
    expect(fresh.body?.status).toBe("OK");
    expect(fresh.body?.codes).not.toEqual(codes);
  });

  it("needs a session at all (401)", async () => {
    expect((await create(app.client())).status).toBe(401);
    expect((await verifyCode(app.client(), "aaaaa-aaaaa")).status).toBe(401);
  });
});

describe("a recovery code as the second factor, policy users-with-factors", () => {
  const app = limitsApp();

  it("completes MFA in place of TOTP and is then used up", async () => {
    app.clock.set(T0_MS);
    const { email, codes } = await userWithCodes(app);
    app.clock.advance(MINUTE);
    const c = app.client();
    expect((await signIn(c, email)).body?.status).toBe("OK");
    expect(mfaClaim(c)).toMatchObject({ v: false });
    const mfaInfo = await c.request("PUT", "/auth/mfa/info");
    expect((mfaInfo.body?.factors as { next: string[] }).next).toEqual(expect.arrayContaining(["totp", "recovery-code"]));
    // Typed as a person might: upper case, spaces instead of the dash.
    const typed = (codes[3] as string).toUpperCase().replace("-", " ");
    const reply = await verifyCode(c, typed);
    expect(reply.body).toEqual({ status: "OK", remainingCodes: 9 });
    expect(reply.headers.get("front-token")).not.toBeNull();
    expect(mfaClaim(c)?.v).toBe(true);
    expect(Object.keys(mfaClaim(c)?.c ?? {}).sort()).toEqual(["emailpassword", "recovery-code"]);
  });

  it("lets a user who lost the phone in with a code, then set up a new device", async () => {
    app.clock.set(T0_MS + 30 * MINUTE);
    const { email, codes } = await userWithCodes(app);
    app.clock.advance(MINUTE);
    const c = app.client();
    await signIn(c, email);
    // Before the second factor a user who has factors set up cannot add another (protocol 5.4).
    expect((await c.request("POST", "/auth/totp/device", { body: { deviceName: "new phone" } })).status).toBe(403);
    expect((await verifyCode(c, codes[0] as string)).body?.status).toBe("OK");
    await enrolTotp(app, c, "new phone");
  });
});

describe("a recovery code under a policy that lists its factors", () => {
  it("satisfies requiredSecondaryFactors [totp, recovery-code]", async () => {
    const { startLimitsApp } = await import("../limits/helpers.js");
    const app = await startLimitsApp({ mfa: { firstFactors: ["emailpassword"], requiredSecondaryFactors: ["totp", "recovery-code"] } });
    try {
      app.clock.set(T0_MS);
      const { email, codes } = await userWithCodes(app);
      const c = app.client();
      await signIn(c, email);
      expect(mfaClaim(c)?.v).toBe(false);
      expect((await verifyCode(c, codes[0] as string)).body?.status).toBe("OK");
      expect(mfaClaim(c)?.v).toBe(true);
    } finally {
      await app.close();
    }
  });

  it("does not stand in for totp when the policy lists totp alone (the code is still used up)", async () => {
    const { startLimitsApp } = await import("../limits/helpers.js");
    const app = await startLimitsApp({ mfa: { firstFactors: ["emailpassword"], requiredSecondaryFactors: ["totp"] } });
    try {
      app.clock.set(T0_MS);
      const { email, codes } = await userWithCodes(app);
      const c = app.client();
      await signIn(c, email);
      expect((await verifyCode(c, codes[0] as string)).body).toEqual({ status: "OK", remainingCodes: 9 });
      expect(mfaClaim(c)?.v).toBe(false);
    } finally {
      await app.close();
    }
  });
});

describe("RecoveryCodes module functions", () => {
  const app = limitsApp();

  it("creates, verifies, counts and removes without HTTP", async () => {
    app.clock.set(T0_MS);
    const { codes } = await RecoveryCodes.createRecoveryCodes("module-user");
    expect(await RecoveryCodes.getRemainingCodeCount("module-user")).toBe(10);
    expect(await RecoveryCodes.verifyRecoveryCode("module-user", codes[9] as string)).toEqual({ status: "OK", remainingCodes: 9 });
    expect(await RecoveryCodes.verifyRecoveryCode("module-user", "not a code")).toEqual({ status: "INVALID_RECOVERY_CODE_ERROR", currentNumberOfFailedAttempts: 1, maxNumberOfFailedAttempts: 5 });
    expect(await RecoveryCodes.removeRecoveryCodes("module-user")).toEqual({ status: "OK", didCodesExist: true });
    expect(await RecoveryCodes.verifyRecoveryCode("module-user", codes[0] as string)).toEqual({ status: "NO_RECOVERY_CODES_ERROR" });
    expect(await MultiFactorAuth.getFactorsSetupForUser("module-user")).toEqual([]);
  });
});

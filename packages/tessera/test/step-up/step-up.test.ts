/**
 * Step-up (issue 8): a route that needs TOTP completed within the last 5 minutes, with an
 * injected clock. It passes right after sign-in and TOTP, fails 6 minutes later with a reason
 * that names the factor and its age, and passes again once the code is re-entered.
 */
import type { Express } from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionRequest } from "../../src/framework/express/index.js";
import EmailPassword from "../../src/recipe/emailpassword/index.js";
import MultiFactorAuth, { MultiFactorAuthClaim } from "../../src/recipe/multifactorauth/index.js";
import { verifySession } from "../../src/recipe/session/framework/express.js";
import Session from "../../src/recipe/session/index.js";
import TOTP from "../../src/recipe/totp/index.js";
import { Client, startTestApp, T0_MS, type TestApp } from "../helpers/app.js";
import { installSeed, rfcCode } from "../totp/helpers.js";

const PASSWORD = "correct horse battery staple";
const MFA_NOT_SATISFIED = { id: "st-mfa", reason: { message: "MFA requirement for auth is not satisfied" } };

function stepUpRoutes(express: Express): void {
  express.post(
    "/payment",
    verifySession({ overrideGlobalClaimValidators: (global) => [...global, MultiFactorAuthClaim.validators.hasCompletedFactorWithin("totp", 300)] }),
    (req: SessionRequest, res) => res.json({ status: "OK", userId: req.session?.getUserId() }),
  );
}

let counter = 0;

async function signUpWithTotp(app: TestApp, mode: "cookie" | "header"): Promise<{ client: Client; userId: string }> {
  const client = new Client(app.url, mode);
  const email = `step-up-${++counter}@example.com`;
  const signUp = await client.request("POST", "/auth/signup", { body: { formFields: [{ id: "email", value: email }, { id: "password", value: PASSWORD }] } });
  expect(signUp.body?.status).toBe("OK");
  const userId = (signUp.body?.user as { id: string }).id;
  // Right after the first factor: MFA is not done, and the step-up names the missing factor.
  const before = await client.request("POST", "/payment");
  expect(before.status).toBe(403);
  expect(before.body).toEqual({ message: "invalid claim", claimValidationErrors: [MFA_NOT_SATISFIED, { id: "st-mfa", reason: { message: "factor not completed", factorId: "totp" } }] });
  expect((await client.request("POST", "/auth/totp/device", { body: { deviceName: "phone" } })).body?.status).toBe("OK");
  await installSeed(userId, "phone");
  expect((await client.request("POST", "/auth/totp/device/verify", { body: { deviceName: "phone", totp: rfcCode(app.clock.now()) } })).body).toEqual({ status: "OK", wasAlreadyVerified: false });
  return { client, userId };
}

const totpTime = (client: Client) => (client.frontPayload()?.["st-mfa"] as { c: Record<string, number> } | undefined)?.c.totp;

describe.each(["cookie", "header"] as const)("step-up with hasCompletedFactorWithin (%s mode)", (mode) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      recipeList: [
        Session.init(),
        EmailPassword.init({ emailDelivery: { sendEmail: () => {} } }),
        MultiFactorAuth.init({ firstFactors: ["emailpassword"], policy: { require: "everyone", factors: ["totp"] } }),
        TOTP.init(),
      ],
      routes: stepUpRoutes,
    });
  });
  afterAll(async () => app?.close());

  it("passes right after sign-in and TOTP, fails 6 minutes later with the reason, passes after the code is re-entered", async () => {
    app.clock.set(T0_MS);
    const { client, userId } = await signUpWithTotp(app, mode);
    expect(totpTime(client)).toBe(Math.floor(T0_MS / 1000));
    expect((await client.request("POST", "/payment")).body).toEqual({ status: "OK", userId });

    app.clock.advance(6 * 60 * 1000);
    const stale = await client.request("POST", "/payment");
    expect(stale.status).toBe(403);
    expect(stale.body).toEqual({
      message: "invalid claim",
      claimValidationErrors: [{ id: "st-mfa", reason: { message: "factor not completed recently enough", factorId: "totp", ageInSeconds: 360, maxAgeInSeconds: 300 } }],
    });
    // Other routes still pass: MFA as a whole is complete, only this route wants it fresh.
    expect((client.frontPayload()?.["st-mfa"] as { v: boolean } | undefined)?.v).toBe(true);

    // Re-entering the code is allowed with MFA already complete, and moves the factor's time to now.
    const reentered = await client.request("POST", "/auth/totp/verify", { body: { totp: rfcCode(app.clock.now()) } });
    expect(reentered.body).toEqual({ status: "OK" });
    expect(totpTime(client)).toBe(Math.floor(app.clock.now() / 1000));
    expect((await client.request("POST", "/payment")).body).toEqual({ status: "OK", userId });
  });

  it("accepts an age of exactly the limit and refuses one second more", async () => {
    app.clock.set(T0_MS + 3_600_000);
    const { client } = await signUpWithTotp(app, mode);
    app.clock.advance(300_000);
    expect((await client.request("POST", "/payment")).status).toBe(200);
    app.clock.advance(1_000);
    const reply = await client.request("POST", "/payment");
    expect(reply.status).toBe(403);
    expect(reply.body?.claimValidationErrors).toEqual([{ id: "st-mfa", reason: { message: "factor not completed recently enough", factorId: "totp", ageInSeconds: 301, maxAgeInSeconds: 300 } }]);
  });

  it("does not refresh the factor's time on a wrong code", async () => {
    app.clock.set(T0_MS + 7_200_000);
    const { client } = await signUpWithTotp(app, mode);
    const completed = totpTime(client);
    app.clock.advance(6 * 60 * 1000);
    const wrong = rfcCode(app.clock.now()) === "000000" ? "111111" : "000000";
    expect((await client.request("POST", "/auth/totp/verify", { body: { totp: wrong } })).body?.status).toBe("INVALID_TOTP_ERROR");
    expect(totpTime(client)).toBe(completed);
    expect((await client.request("POST", "/payment")).status).toBe(403);
  });
});

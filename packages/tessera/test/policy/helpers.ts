/**
 * The policy suite's app: Session, EmailPassword, MultiFactorAuth with a given policy, and TOTP,
 * on a fixed clock. Two first factors: email and password through its real endpoints, and a
 * one-time code stood in for by `POST /test/otp-login {userId}`, which does what a passwordless
 * sign-in does (a new session, then `otp-email` marked complete in it). A 2FA-guarded route is
 * any plain `verifySession()`: `GET /private` and `POST /private-db` (checkDatabase).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect } from "vitest";
import type { SessionRequest } from "../../src/framework/express/index.js";
import EmailPassword from "../../src/recipe/emailpassword/index.js";
import MultiFactorAuth, { type MultiFactorAuthConfig } from "../../src/recipe/multifactorauth/index.js";
import { verifySession } from "../../src/recipe/session/framework/express.js";
import Session from "../../src/recipe/session/index.js";
import TOTP from "../../src/recipe/totp/index.js";
import { Client, startTestApp, T0_MS, type TestApp } from "../helpers/app.js";
import { readJSON } from "../session/helpers.js";
import { installSeed, rfcCode } from "../totp/helpers.js";

export const PASSWORD = "correct horse battery staple";
export const MFA_403 = { message: "invalid claim", claimValidationErrors: [{ id: "st-mfa", reason: { message: "MFA requirement for auth is not satisfied" } }] };

export type FirstFactor = "emailpassword" | "otp-email";
export const FIRST_FACTORS: FirstFactor[] = ["emailpassword", "otp-email"];

export interface PolicyApp {
  readonly url: string;
  readonly clock: TestApp["clock"];
}

export function policyApp(mfa: MultiFactorAuthConfig, options: { totp?: boolean } = {}): PolicyApp {
  let app: TestApp | undefined;
  beforeAll(async () => {
    app = await startTestApp({
      startMs: T0_MS,
      recipeList: [
        Session.init(),
        EmailPassword.init({ emailDelivery: { sendEmail: () => {} } }),
        MultiFactorAuth.init({ firstFactors: ["emailpassword", "otp-email"], ...mfa }),
        ...(options.totp === false ? [] : [TOTP.init()]),
      ],
      routes: (express) => {
        express.post("/test/otp-login", async (req, res) => {
          const { userId, tenantId } = (await readJSON(req)) as { userId: string; tenantId?: string };
          const session = await Session.createNewSession(req, res, tenantId ?? "public", userId);
          await MultiFactorAuth.markFactorAsCompleteInSession(session, "otp-email");
          res.json({ status: "OK" });
        });
        express.get("/private", verifySession(), (req: SessionRequest, res) => res.json({ userId: req.session?.getUserId() }));
        express.post("/private-db", verifySession({ checkDatabase: true }), (req: SessionRequest, res) => res.json({ userId: req.session?.getUserId() }));
      },
    });
  });
  afterAll(async () => app?.close());
  const current = () => {
    if (!app) throw new Error("the policy app is not started");
    return app;
  };
  return {
    get url() {
      return current().url;
    },
    get clock() {
      return current().clock;
    },
  };
}

/** A user of one first factor: `signIn()` makes a new client with a fresh first-factor session each time. */
export interface FirstFactorUser {
  userId: string;
  signIn(): Promise<Client>;
}

export async function newUser(app: PolicyApp, factor: FirstFactor, tenantId = "public"): Promise<FirstFactorUser> {
  const prefix = tenantId === "public" ? "/auth" : `/auth/${tenantId}`;
  if (factor === "otp-email") {
    const userId = `otp-${randomUUID()}`;
    return {
      userId,
      signIn: async () => {
        const client = new Client(app.url);
        expect((await client.request("POST", "/test/otp-login", { body: { userId, tenantId } })).status).toBe(200);
        return client;
      },
    };
  }
  const formFields = [{ id: "email", value: `${randomUUID()}@example.com` }, { id: "password", value: PASSWORD }];
  const first = new Client(app.url);
  const signUp = await first.request("POST", `${prefix}/signup`, { body: { formFields } });
  expect(signUp.body?.status).toBe("OK");
  let fresh: Client | undefined = first;
  return {
    userId: (signUp.body?.user as { id: string }).id,
    signIn: async () => {
      // The sign-up's own session first, then a real sign-in for every later call.
      if (fresh) {
        const client = fresh;
        fresh = undefined;
        return client;
      }
      const client = new Client(app.url);
      expect((await client.request("POST", `${prefix}/signin`, { body: { formFields } })).body?.status).toBe("OK");
      return client;
    },
  };
}

/** Sets up TOTP with the session (the RFC 6238 seed), which also completes it in that session. */
export async function setUpTotp(app: PolicyApp, client: Client, userId: string): Promise<void> {
  expect((await client.request("POST", "/auth/totp/device", { body: { deviceName: "phone" } })).body?.status).toBe("OK");
  await installSeed(userId, "phone");
  expect((await client.request("POST", "/auth/totp/device/verify", { body: { deviceName: "phone", totp: rfcCode(app.clock.now()) } })).body).toEqual({
    status: "OK",
    wasAlreadyVerified: false,
  });
  // The next code must come from a later time step (replay guard).
  app.clock.advance(60_000);
}

export async function enterTotp(app: PolicyApp, client: Client): Promise<void> {
  expect((await client.request("POST", "/auth/totp/verify", { body: { totp: rfcCode(app.clock.now()) } })).body).toEqual({ status: "OK" });
  app.clock.advance(60_000);
}

/** Both guarded routes answer `status` (403 with the st-mfa body, or 200). */
export async function expectGuarded(client: Client, status: 200 | 403): Promise<void> {
  for (const [method, path] of [["GET", "/private"], ["POST", "/private-db"]] as const) {
    const reply = await client.request(method, path);
    expect(reply.status, `${method} ${path}`).toBe(status);
    if (status === 403) expect(reply.body).toEqual(MFA_403);
  }
}

export async function mfaInfo(client: Client): Promise<{ next: string[]; alreadySetup: string[]; allowedToSetup: string[] }> {
  const reply = await client.request("PUT", "/auth/mfa/info");
  expect(reply.status).toBe(200);
  return (reply.body as { factors: { next: string[]; alreadySetup: string[]; allowedToSetup: string[] } }).factors;
}

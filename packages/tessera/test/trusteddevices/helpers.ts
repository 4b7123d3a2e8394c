/**
 * The trusted-devices suite's app: Session, EmailPassword (reset emails captured), MultiFactorAuth
 * requiring totp for everyone with `trustedDevices` on, TOTP and RecoveryCodes, on a temporary
 * SQLite file (so a test can read the raw rows through a second, read-only connection) and a fixed
 * clock. Routes: `/t/write` (global validators, i.e. `st-mfa.v`), `/t/step-up` (only
 * `hasCompletedFactorWithin("totp", 300)`) and `/t/login` (the app's own session creation).
 */
import Database from "better-sqlite3";
import type { Express, Response } from "express";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { base32Decode } from "../../src/core/crypto/base32.js";
import { totpCode } from "../../src/core/crypto/otp.js";
import type { SessionRequest } from "../../src/framework/express/index.js";
import EmailPassword, { type PasswordResetEmailInput } from "../../src/recipe/emailpassword/index.js";
import MultiFactorAuth, { MultiFactorAuthClaim, type TrustedDevicesConfig } from "../../src/recipe/multifactorauth/index.js";
import RecoveryCodes from "../../src/recipe/recoverycodes/index.js";
import { verifySession } from "../../src/recipe/session/framework/express.js";
import Session from "../../src/recipe/session/index.js";
import TOTP from "../../src/recipe/totp/index.js";
import { Client, startTestApp, T0_MS, type TestApp } from "../helpers/app.js";
import { readJSON } from "../session/helpers.js";

export { T0_MS };
export const PASSWORD = "correct horse battery staple";
export const COOKIE = "sTrustedDevice";
export const COOKIE_KEY = `${COOKIE}|/auth`;
export const DAY_MS = 86_400_000;

export interface TrustedApp {
  readonly url: string;
  readonly clock: TestApp["clock"];
  /** Resolves with the next password-reset email. */
  nextMail(): Promise<PasswordResetEmailInput>;
  /** Rows read through a separate read-only connection to the app's database file. */
  rows<T>(sql: string, ...params: (string | number)[]): T[];
}

/** One app for the enclosing file (tessera is a singleton): started before its first test, closed after its last. */
export function trustedApp(trustedDevices: TrustedDevicesConfig = { validityDays: 30 }): TrustedApp {
  let app: TestApp | undefined;
  let reader: Database.Database | undefined;
  let waiting: ((input: PasswordResetEmailInput) => void)[] = [];
  const directory = mkdtempSync(join(tmpdir(), "tessera-trusted-"));
  const file = join(directory, "tessera.db");
  beforeAll(async () => {
    app = await startTestApp({
      database: `sqlite:${file}`,
      recipeList: [
        Session.init(),
        EmailPassword.init({
          emailDelivery: {
            sendEmail: async (input) => {
              const resolve = waiting;
              waiting = [];
              for (const r of resolve) r(input);
            },
          },
        }),
        MultiFactorAuth.init({ firstFactors: ["emailpassword"], requiredSecondaryFactors: ["totp"], trustedDevices }),
        TOTP.init(),
        RecoveryCodes.init(),
      ],
      routes: addRoutes,
    });
    reader = new Database(file, { readonly: true });
  });
  afterAll(async () => {
    reader?.close();
    await app?.close();
    rmSync(directory, { recursive: true, force: true });
  });
  const current = () => {
    if (!app) throw new Error("the trusted-devices app is not started");
    return app;
  };
  return {
    get url() {
      return current().url;
    },
    get clock() {
      return current().clock;
    },
    nextMail: () => new Promise((resolve) => waiting.push(resolve)),
    rows: <T>(sql: string, ...params: (string | number)[]) => (reader as Database.Database).prepare(sql).all(...params) as T[],
  };
}

function addRoutes(app: Express): void {
  // An app's own sign-in route: a session made outside tessera's endpoints (no request in userContext).
  app.post("/t/login", async (req, res) => {
    const { userId } = (await readJSON(req)) as { userId: string };
    const session = await Session.createNewSession(req, res, "public", userId);
    await MultiFactorAuth.markFactorAsCompleteInSession(session, "emailpassword");
    res.json({ status: "OK" });
  });
  app.post("/t/write", verifySession(), (req: SessionRequest, res: Response) => {
    res.json({ userId: req.session!.getUserId() });
  });
  app.post(
    "/t/step-up",
    verifySession({ overrideGlobalClaimValidators: () => [MultiFactorAuthClaim.validators.hasCompletedFactorWithin("totp", 300)] }),
    (req: SessionRequest, res: Response) => {
      res.json({ userId: req.session!.getUserId() });
    },
  );
}

// ---- flows ----

export const form = (values: Record<string, unknown>) => ({ formFields: Object.entries(values).map(([id, value]) => ({ id, value })) });

let counter = 0;
export const freshEmail = (label = "user"): string => `${label}-${process.pid}-${++counter}@example.com`;

export const codeFor = (secret: string, timeMs: number): string => totpCode(base32Decode(secret), timeMs);

export const mfaOf = (c: Client) => c.frontPayload()?.["st-mfa"] as { c: Record<string, number>; v: boolean } | undefined;

export async function signIn(c: Client, email: string, password = PASSWORD) {
  const reply = await c.request("POST", "/auth/signin", { body: form({ email, password }) });
  expect(reply.body?.status, JSON.stringify(reply.body)).toBe("OK");
  return reply;
}

/** Creates and verifies a TOTP device through the API with a code computed from the returned secret. */
export async function enrol(app: TrustedApp, c: Client, deviceName = "phone"): Promise<string> {
  const created = await c.request("POST", "/auth/totp/device", { body: { deviceName } });
  expect(created.body?.status, JSON.stringify(created.body)).toBe("OK");
  const secret = created.body!.secret as string;
  const verified = await c.request("POST", "/auth/totp/device/verify", { body: { deviceName, totp: codeFor(secret, app.clock.now()) } });
  expect(verified.body).toEqual({ status: "OK", wasAlreadyVerified: false });
  return secret;
}

/** Completes the second factor in the client's session with the current code (on a step no earlier call used). */
export async function completeTotp(app: TrustedApp, c: Client, secret: string): Promise<void> {
  app.clock.advance(30_000);
  const reply = await c.request("POST", "/auth/totp/verify", { body: { totp: codeFor(secret, app.clock.now()) } });
  expect(reply.body, JSON.stringify(reply.body)).toEqual({ status: "OK" });
}

/** Signs up, enrols a TOTP device (which completes MFA in that session) and moves the clock one step on. */
export async function enrolledUser(app: TrustedApp, devices: string[] = ["phone"]): Promise<{ email: string; userId: string; secret: string; client: Client }> {
  const email = freshEmail();
  const client = new Client(app.url);
  const reply = await client.request("POST", "/auth/signup", { body: form({ email, password: PASSWORD }) });
  expect(reply.body?.status, JSON.stringify(reply.body)).toBe("OK");
  const userId = (reply.body!.user as { id: string }).id;
  let secret = "";
  for (const name of devices) {
    const s = await enrol(app, client, name);
    if (secret === "") secret = s;
    app.clock.advance(30_000);
  }
  return { email, userId, secret, client };
}

/** POST /mfa/trusted-device; returns the reply and the cookie value it set. */
export async function remember(c: Client) {
  const reply = await c.request("POST", "/auth/mfa/trusted-device");
  return { reply, cookie: c.cookie(COOKIE) };
}

/** An enrolled user who completed TOTP and remembered this browser, then signed out (the cookie stays). */
export async function rememberedUser(app: TrustedApp, devices?: string[]) {
  const user = await enrolledUser(app, devices);
  const { reply, cookie } = await remember(user.client);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  expect(cookie).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
  expect((await user.client.request("POST", "/auth/signout")).status).toBe(200);
  return { ...user, cookie: cookie as string, deviceId: reply.body!.deviceId as string };
}

/** A fresh browser that holds only the given device cookie. */
export function browserWith(app: TrustedApp, cookie: string): Client {
  const c = new Client(app.url);
  c.cookies.set(COOKIE_KEY, { value: cookie, path: "/auth" });
  return c;
}

export async function write(c: Client): Promise<number> {
  return (await c.request("POST", "/t/write")).status;
}

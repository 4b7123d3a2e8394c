/**
 * The limits and recovery-codes suites' app: Session, EmailPassword, MultiFactorAuth, TOTP and
 * RecoveryCodes on a temporary SQLite file (read back through a second, read-only connection),
 * with the `limits` a test gives, on a fixed clock. Clients are the shared cookie-jar client.
 */
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { base32Decode } from "../../src/core/crypto/base32.js";
import { totpCode } from "../../src/core/crypto/otp.js";
import type { LimitsConfig } from "../../src/core/limits.js";
import EmailPassword from "../../src/recipe/emailpassword/index.js";
import MultiFactorAuth, { type MultiFactorAuthConfig } from "../../src/recipe/multifactorauth/index.js";
import RecoveryCodes, { type RecoveryCodesConfig } from "../../src/recipe/recoverycodes/index.js";
import Session from "../../src/recipe/session/index.js";
import TOTP from "../../src/recipe/totp/index.js";
import { Client, startTestApp, T0_MS, type TestApp } from "../helpers/app.js";

export { Client, T0_MS };

export const PASSWORD = "correct horse battery staple";
export const WRONG_CREDENTIALS = { status: "WRONG_CREDENTIALS_ERROR" };

export interface LimitsAppOptions {
  limits?: LimitsConfig;
  mfa?: MultiFactorAuthConfig;
  recoveryCodes?: RecoveryCodesConfig;
}

export interface LimitsApp {
  readonly url: string;
  readonly clock: TestApp["clock"];
  /** Every password-reset link the recipe asked to send. */
  readonly mails: string[];
  rows<T>(sql: string, ...params: (string | number)[]): T[];
  client(): Client;
}

/**
 * Starts the app with `tessera.init({ limits })` and closes it afterwards (reset restores the
 * default limits).
 */
export async function startLimitsApp(options: LimitsAppOptions = {}): Promise<LimitsApp & { close(): Promise<void> }> {
  const directory = mkdtempSync(join(tmpdir(), "tessera-limits-"));
  const file = join(directory, "tessera.db");
  const mails: string[] = [];
  const app = await startTestApp({
    database: `sqlite:${file}`,
    ...(options.limits ? { limits: options.limits } : {}),
    recipeList: [
      Session.init(),
      EmailPassword.init({ emailDelivery: { sendEmail: (input) => void mails.push(input.passwordResetLink) } }),
      MultiFactorAuth.init(options.mfa ?? { firstFactors: ["emailpassword"], policy: "users-with-factors" }),
      TOTP.init(),
      RecoveryCodes.init(options.recoveryCodes),
    ],
  });
  const reader = new Database(file, { readonly: true });
  return {
    url: app.url,
    clock: app.clock,
    mails,
    rows: <T>(sql: string, ...params: (string | number)[]) => reader.prepare(sql).all(...params) as T[],
    client: () => new Client(app.url),
    close: async () => {
      reader.close();
      await app.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** One app for the enclosing `describe` (tessera is a singleton). */
export function limitsApp(options: LimitsAppOptions = {}): LimitsApp {
  let app: (LimitsApp & { close(): Promise<void> }) | undefined;
  beforeAll(async () => {
    app = await startLimitsApp(options);
  });
  afterAll(async () => app?.close());
  const current = () => {
    if (!app) throw new Error("the limits app is not started");
    return app;
  };
  return {
    get url() {
      return current().url;
    },
    get clock() {
      return current().clock;
    },
    get mails() {
      return current().mails;
    },
    rows: (sql, ...params) => current().rows(sql, ...params),
    client: () => current().client(),
  };
}

export const form = (values: Record<string, unknown>) => ({ formFields: Object.entries(values).map(([id, value]) => ({ id, value })) });

let counter = 0;
export const freshEmail = (label = "user"): string => `${label}-${process.pid}-${++counter}@example.com`;

type Headers = Record<string, string>;

export async function signUp(c: Client, email: string, password = PASSWORD, headers?: Headers): Promise<string> {
  const reply = await c.request("POST", "/auth/signup", { body: form({ email, password }), headers });
  expect(reply.body?.status, JSON.stringify(reply.body)).toBe("OK");
  return (reply.body?.user as { id: string }).id;
}

export const signIn = (c: Client, email: string, password = PASSWORD, headers?: Headers) => c.request("POST", "/auth/signin", { body: form({ email, password }), headers });

/** The TOTP code an authenticator shows for `secret` (base32, as the API returned it) at `timeMs`. */
export const codeFor = (secret: string, timeMs: number): string => totpCode(base32Decode(secret), timeMs);

/** Creates and verifies a TOTP device through the API with the current code; returns its secret. */
export async function enrolTotp(app: LimitsApp, c: Client, deviceName = "phone"): Promise<string> {
  const created = await c.request("POST", "/auth/totp/device", { body: { deviceName } });
  expect(created.body?.status, JSON.stringify(created.body)).toBe("OK");
  const secret = created.body?.secret as string;
  const verified = await c.request("POST", "/auth/totp/device/verify", { body: { deviceName, totp: codeFor(secret, app.clock.now()) } });
  expect(verified.body).toEqual({ status: "OK", wasAlreadyVerified: false });
  return secret;
}

/** A user with a verified TOTP device and a set of recovery codes, made at the current clock time. */
export async function userWithCodes(app: LimitsApp): Promise<{ email: string; userId: string; secret: string; codes: string[]; client: Client }> {
  const client = app.client();
  const email = freshEmail("codes");
  const userId = await signUp(client, email);
  const secret = await enrolTotp(app, client);
  const created = await client.request("POST", "/auth/recovery-codes");
  expect(created.body?.status, JSON.stringify(created.body)).toBe("OK");
  return { email, userId, secret, codes: created.body?.codes as string[], client };
}

export const mfaClaim = (c: Client) => c.frontPayload()?.["st-mfa"] as { c: Record<string, number>; v: boolean } | undefined;

export const verifyTotp = (c: Client, totp: string, headers?: Headers) => c.request("POST", "/auth/totp/verify", { body: { totp }, headers });
export const verifyCode = (c: Client, code: string, headers?: Headers) => c.request("POST", "/auth/recovery-codes/verify", { body: { code }, headers });

/**
 * The passwordless suites' app: Session, EmailPassword, Passwordless (email or phone, code and
 * link unless told otherwise; every message captured in an outbox) and, when asked, MultiFactorAuth
 * and TOTP, on a temporary SQLite file read back through a second, read-only connection, with a
 * fixed clock. `/t/guarded` is a route behind `verifySession()` (the global `st-mfa` validator).
 */
import Database from "better-sqlite3";
import type { Response } from "express";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import type { LimitsConfig } from "../../src/core/limits.js";
import type { SessionRequest } from "../../src/framework/express/index.js";
import EmailPassword from "../../src/recipe/emailpassword/index.js";
import MultiFactorAuth, { type MultiFactorAuthConfig } from "../../src/recipe/multifactorauth/index.js";
import Passwordless, { type PasswordlessConfig, type PasswordlessEmailInput, type PasswordlessSmsInput } from "../../src/recipe/passwordless/index.js";
import { verifySession } from "../../src/recipe/session/framework/express.js";
import Session from "../../src/recipe/session/index.js";
import TOTP from "../../src/recipe/totp/index.js";
import { Client, startTestApp, T0_MS, type TestApp } from "../helpers/app.js";

export { Client, T0_MS };

export const PASSWORD = "correct horse battery staple";
export const MINUTE = 60_000;
export type Message = (PasswordlessEmailInput & { phoneNumber?: undefined }) | (PasswordlessSmsInput & { email?: undefined });

/** Limits high enough that the suites' many requests from 127.0.0.1 never meet them. */
export const ROOMY_LIMITS: LimitsConfig = {
  address: { passwordlessCode: { max: 100_000 }, emailExists: { max: 100_000 }, signUp: { max: 100_000 } },
  identifier: { passwordlessCode: { max: 100_000 } },
};

export interface PasswordlessAppOptions {
  passwordless?: Partial<PasswordlessConfig>;
  /** Adds MultiFactorAuth (and TOTP) with this config. */
  mfa?: MultiFactorAuthConfig;
  limits?: LimitsConfig;
  tenants?: string[];
}

export interface PasswordlessApp {
  readonly url: string;
  readonly clock: TestApp["clock"];
  /** Every email and SMS the recipe asked to send, in order. */
  readonly outbox: Message[];
  /** When set, the next sends throw this. */
  failDelivery: Error | undefined;
  rows<T>(sql: string, ...params: (string | number)[]): T[];
  /** The database files' bytes (main file and WAL), to search for secrets. */
  rawBytes(): Buffer;
  client(): Client;
}

export async function startPasswordlessApp(options: PasswordlessAppOptions = {}): Promise<PasswordlessApp & { close(): Promise<void> }> {
  const directory = mkdtempSync(join(tmpdir(), "tessera-passwordless-"));
  const file = join(directory, "tessera.db");
  const outbox: Message[] = [];
  const state = { failDelivery: undefined as Error | undefined };
  const deliver = (message: Message) => {
    if (state.failDelivery) throw state.failDelivery;
    outbox.push(message);
  };
  const app = await startTestApp({
    database: `sqlite:${file}`,
    limits: options.limits ?? ROOMY_LIMITS,
    ...(options.tenants ? { tenants: options.tenants } : {}),
    recipeList: [
      Session.init(),
      EmailPassword.init({ emailDelivery: { sendEmail: () => undefined } }),
      Passwordless.init({
        contactMethod: "EMAIL_OR_PHONE",
        flowType: "USER_INPUT_CODE_AND_MAGIC_LINK",
        emailDelivery: { sendEmail: (input) => deliver(input) },
        smsDelivery: { sendSms: (input) => deliver(input) },
        ...options.passwordless,
      }),
      ...(options.mfa ? [MultiFactorAuth.init(options.mfa), TOTP.init()] : []),
    ],
    routes: (express) => {
      express.get("/t/guarded", verifySession(), (req: SessionRequest, res: Response) => void res.json({ userId: req.session!.getUserId() }));
    },
  });
  const reader = new Database(file, { readonly: true });
  return {
    url: app.url,
    clock: app.clock,
    outbox,
    get failDelivery() {
      return state.failDelivery;
    },
    set failDelivery(error) {
      state.failDelivery = error;
    },
    rows: <T>(sql: string, ...params: (string | number)[]) => reader.prepare(sql).all(...params) as T[],
    rawBytes: () => Buffer.concat([file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f))),
    client: () => new Client(app.url),
    close: async () => {
      reader.close();
      await app.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** One app for the enclosing `describe` (tessera is a singleton). */
export function passwordlessApp(options: PasswordlessAppOptions = {}): PasswordlessApp {
  let app: (PasswordlessApp & { close(): Promise<void> }) | undefined;
  beforeAll(async () => {
    app = await startPasswordlessApp(options);
  });
  afterAll(async () => app?.close());
  const current = () => {
    if (!app) throw new Error("the passwordless app is not started");
    return app;
  };
  return {
    get url() {
      return current().url;
    },
    get clock() {
      return current().clock;
    },
    get outbox() {
      return current().outbox;
    },
    get failDelivery() {
      return current().failDelivery;
    },
    set failDelivery(error) {
      current().failDelivery = error;
    },
    rows: (sql, ...params) => current().rows(sql, ...params),
    rawBytes: () => current().rawBytes(),
    client: () => current().client(),
  };
}

let counter = 0;
export const freshEmail = (label = "user"): string => `${label}-${process.pid}-${++counter}@example.com`;
/** A distinct valid US number per call (E.164), from the 650 area code. */
export const freshPhone = (): string => `+1650253${String(1000 + (++counter % 9000)).padStart(4, "0")}`;

type Body = Record<string, unknown>;
type Headers = Record<string, string>;

export const createCode = (c: Client, body: Body, path = "/auth/signinup/code", headers?: Headers) => c.request("POST", path, { body, headers });
export const resendCode = (c: Client, body: Body, path = "/auth/signinup/code/resend", headers?: Headers) => c.request("POST", path, { body, headers });
export const consumeCode = (c: Client, body: Body, path = "/auth/signinup/code/consume", headers?: Headers) => c.request("POST", path, { body, headers });

/** The last message sent to the contact. */
export function lastMessage(app: PasswordlessApp, to: string): Message {
  const found = [...app.outbox].reverse().find((m) => m.email === to || m.phoneNumber === to);
  if (!found) throw new Error(`no message was sent to ${to}`);
  return found;
}

/** The link code from a magic link (its URL fragment). */
export const linkCodeOf = (message: Message): string => new URL(message.urlWithLinkCode as string).hash.slice(1);

/** Starts a flow over HTTP; returns the ids and the message it sent. */
export async function startFlow(app: PasswordlessApp, c: Client, contact: { email: string } | { phoneNumber: string }, extra: Body = {}, headers?: Headers) {
  const created = await createCode(c, { ...contact, ...extra }, undefined, headers);
  expect(created.body?.status, JSON.stringify(created.body)).toBe("OK");
  // The newest message (the contact as typed may differ from the normalised one it went to).
  const message = app.outbox[app.outbox.length - 1] as Message;
  expect(message.preAuthSessionId).toBe(created.body?.preAuthSessionId);
  return { deviceId: created.body?.deviceId as string, preAuthSessionId: created.body?.preAuthSessionId as string, flowType: created.body?.flowType as string, message };
}

/** Signs in (or up) with a code over HTTP; returns the response. */
export async function signInWithCode(app: PasswordlessApp, c: Client, contact: { email: string } | { phoneNumber: string }) {
  const flow = await startFlow(app, c, contact);
  return consumeCode(c, { preAuthSessionId: flow.preAuthSessionId, deviceId: flow.deviceId, userInputCode: flow.message.userInputCode });
}

export const form = (values: Record<string, unknown>) => ({ formFields: Object.entries(values).map(([id, value]) => ({ id, value })) });

/** Signs up an email-password user over HTTP; returns its id. */
export async function signUpWithPassword(c: Client, email: string): Promise<string> {
  const reply = await c.request("POST", "/auth/signup", { body: form({ email, password: PASSWORD }) });
  expect(reply.body?.status, JSON.stringify(reply.body)).toBe("OK");
  return (reply.body?.user as { id: string }).id;
}

export const signInWithPassword = (c: Client, email: string) => c.request("POST", "/auth/signin", { body: form({ email, password: PASSWORD }) });

export const mfaClaim = (c: Client) => c.frontPayload()?.["st-mfa"] as { c: Record<string, number>; v: boolean } | undefined;

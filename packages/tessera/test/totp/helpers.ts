/**
 * Shared pieces of the TOTP suite: an app with Session, MultiFactorAuth and TOTP on a temporary
 * SQLite file (so tests can read rows through a second, read-only connection), a login route
 * that completes the first factor, and helpers to enrol a device with the RFC 6238 seed.
 */
import Database from "better-sqlite3";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { base32Decode } from "../../src/core/crypto/base32.js";
import { totpCode } from "../../src/core/crypto/otp.js";
import { now } from "../../src/core/clock.js";
import { getInstance } from "../../src/core/instance.js";
import MultiFactorAuth from "../../src/recipe/multifactorauth/index.js";
import Session from "../../src/recipe/session/index.js";
import TOTP from "../../src/recipe/totp/index.js";
import type { TOTPConfig } from "../../src/recipe/totp/types.js";
import { Client, startTestApp, T0_MS, type TestApp } from "../helpers/app.js";
import { readJSON } from "../session/helpers.js";

export { T0_MS };

/** RFC 6238 Appendix B SHA-1 seed, ASCII "12345678901234567890". */
export const RFC_SEED = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
/** security-cases.md §1.3: 6-digit codes of the RFC seed around t0 = 1111111109 (T = 37037036). */
export const AT_T0 = { "T-2": "150727", "T-1": "731029", T: "081804", "T+1": "050471", "T+2": "266759" } as const;
/** At t0 + 900 s (T = 37037066). */
export const AT_T0_PLUS_900 = "393293";
/** Enrolment happens this long before t0, so that it consumes no step near t0. */
export const ENROL_LEAD_MS = 600_000;

export const rfcCode = (timeMs: number, period = 30): string => totpCode(base32Decode(RFC_SEED), timeMs, { period });

export interface TotpApp {
  readonly url: string;
  readonly clock: TestApp["clock"];
  /** Rows read through a separate read-only connection to the app's database file. */
  rows<T>(sql: string, ...params: (string | number)[]): T[];
}

/**
 * One app for a `describe`: Session, MultiFactorAuth (first factor emailpassword) and TOTP, plus
 * `POST /test/login {userId}`, which creates a session and marks `emailpassword` complete in it
 * (what a sign-in does), so `st-mfa` starts as `{c: {emailpassword}, v: <requirements met>}`.
 */
export function totpApp(options: { totp?: TOTPConfig; masterKey?: string } = {}): TotpApp {
  let app: TestApp | undefined;
  let reader: Database.Database | undefined;
  const directory = mkdtempSync(join(tmpdir(), "tessera-totp-"));
  const file = join(directory, "tessera.db");
  let previousKey: string | undefined;
  beforeAll(async () => {
    previousKey = process.env.TESSERA_MASTER_KEY;
    if (options.masterKey === undefined) delete process.env.TESSERA_MASTER_KEY;
    else process.env.TESSERA_MASTER_KEY = options.masterKey;
    app = await startTestApp({
      database: `sqlite:${file}`,
      recipeList: [Session.init(), MultiFactorAuth.init({ firstFactors: ["emailpassword"] }), TOTP.init(options.totp)],
      routes: (express) => {
        express.post("/test/login", async (req, res) => {
          const { userId } = (await readJSON(req)) as { userId: string };
          const session = await Session.createNewSession(req, res, "public", userId);
          await MultiFactorAuth.markFactorAsCompleteInSession(session, "emailpassword");
          res.json({ handle: session.getHandle() });
        });
      },
    });
    reader = new Database(file, { readonly: true });
  });
  afterAll(async () => {
    reader?.close();
    await app?.close();
    if (previousKey === undefined) delete process.env.TESSERA_MASTER_KEY;
    else process.env.TESSERA_MASTER_KEY = previousKey;
    rmSync(directory, { recursive: true, force: true });
  });
  const current = () => {
    if (!app) throw new Error("the TOTP app is not started");
    return app;
  };
  return {
    get url() {
      return current().url;
    },
    get clock() {
      return current().clock;
    },
    rows: <T>(sql: string, ...params: (string | number)[]) => (reader as Database.Database).prepare(sql).all(...params) as T[],
  };
}

export const newUserId = (): string => `user-${randomUUID()}`;

/** A first-factor session of `userId` (cookie mode unless told). */
export async function login(app: TotpApp, userId: string, mode: "cookie" | "header" = "cookie"): Promise<Client> {
  const client = new Client(app.url, mode);
  const reply = await client.request("POST", "/test/login", { body: { userId } });
  expect(reply.status).toBe(200);
  return client;
}

/** Overwrites an unverified device's seed through the store, sealed as the recipe seals it. */
export async function installSeed(userId: string, deviceName: string, seed = RFC_SEED): Promise<void> {
  const { storage, secretBox } = getInstance();
  const replaced = await storage.totp.createDevice({
    userId,
    name: deviceName,
    secret: secretBox.seal(seed, `totp:${userId}:${deviceName}`),
    period: 30,
    skew: 1,
    verified: false,
    createdAt: now(),
  });
  expect(replaced).toBe(true);
}

/**
 * Creates `deviceName` through the API, gives it the RFC seed, and verifies it with the code of
 * the current clock time. Leaves the clock where it was.
 */
export async function enrol(app: TotpApp, client: Client, userId: string, deviceName = "phone"): Promise<void> {
  expect((await client.request("POST", "/auth/totp/device", { body: { deviceName } })).body?.status).toBe("OK");
  await installSeed(userId, deviceName);
  const verified = await client.request("POST", "/auth/totp/device/verify", { body: { deviceName, totp: rfcCode(app.clock.now()) } });
  expect(verified.body).toEqual({ status: "OK", wasAlreadyVerified: false });
}

/**
 * The usual start of a test: the clock at t0 − 10 min, a new user signed in with the first
 * factor, an RFC-seeded verified device, then the clock at t0. Returns the user and its session.
 */
export async function enrolledUserAtT0(app: TotpApp, options: { requireTotp?: boolean } = {}): Promise<{ userId: string; client: Client }> {
  app.clock.set(T0_MS - ENROL_LEAD_MS);
  const userId = newUserId();
  if (options.requireTotp) await MultiFactorAuth.addToRequiredSecondaryFactorsForUser(userId, "totp");
  const client = await login(app, userId);
  await enrol(app, client, userId);
  app.clock.set(T0_MS);
  return { userId, client };
}

/** POSTs a raw body (not JSON-encoded by the client) with the client's credentials. */
export async function postRaw(client: Client, path: string, text: string): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { "content-type": "application/json", rid: "anti-csrf" };
  if (client.mode === "header" && client.accessToken) headers.authorization = `Bearer ${client.accessToken}`;
  const cookies = [...client.cookies.entries()].filter(([, c]) => path.startsWith(c.path)).map(([key, c]) => `${key.split("|")[0]}=${encodeURIComponent(c.value)}`);
  if (cookies.length > 0) headers.cookie = cookies.join("; ");
  const response = await fetch(client.baseUrl + path, { method: "POST", headers, body: text });
  const body = await response.text();
  return { status: response.status, body: body === "" ? undefined : (JSON.parse(body) as unknown) };
}

/** The `st-mfa` value the frontend sees. */
export const mfaClaim = (client: Client) => client.frontPayload()?.["st-mfa"] as { c: Record<string, number>; v: boolean } | undefined;

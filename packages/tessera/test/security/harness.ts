/**
 * The harness of the security suite (security-cases.md §2, "Conventions"): the reference's test
 * app built with `startTestApp`, the outcome classes, a raw HTTP sender that checks every reply
 * for 5xx and leaked internals, token surgery, a minter that signs with the real key, and
 * "storage unchanged" read straight from the SQLite file.
 */
import Database from "better-sqlite3";
import { createHash, createSign, sign as cryptoSign, type KeyObject } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { getInstance } from "../../src/core/instance.js";
import { wrapRequest, type SessionRequest } from "../../src/framework/express/index.js";
import { BooleanClaim } from "../../src/recipe/session/claims/index.js";
import { verifySession } from "../../src/recipe/session/framework/express.js";
import Session from "../../src/recipe/session/index.js";
import { SESSION_RECIPE_ID, type SessionRecipe } from "../../src/recipe/session/recipe.js";
import { signAccessToken, type AccessTokenPayload } from "../../src/recipe/session/tokens.js";
import type { SessionConfig } from "../../src/recipe/session/types.js";
import { Client, startTestApp, type TestApp } from "../helpers/app.js";

export type Mode = "cookie" | "header";
export const MODES: readonly Mode[] = ["cookie", "header"];

/** The reference's fixtures U1..U3; there is no email/password recipe yet, so users sign in by id. */
export const U1 = "u1-alice";
export const U2 = "u2-bob";
export const U3 = "u3-kate";

export const SecondFactorClaim = new BooleanClaim({ key: "2fa-completed", fetchValue: () => false });

// ---- outcome classes (security-cases.md §2, protocol 1.10) ----

export interface Outcome {
  status: number;
  body: unknown;
}
export const TRY_REFRESH: Outcome = { status: 401, body: { message: "try refresh token" } };
export const UNAUTH: Outcome = { status: 401, body: { message: "unauthorised" } };
export const THEFT: Outcome = { status: 401, body: { message: "token theft detected" } };
export const CLAIM_403: Outcome = {
  status: 403,
  body: { message: "invalid claim", claimValidationErrors: [{ id: "2fa-completed", reason: { message: "wrong value", expectedValue: true, actualValue: false } }] },
};

// ---- raw HTTP ----

/** Captured at load: SEC-07 replaces globalThis.fetch with a spy while the engine handles a request. */
export const realFetch: typeof fetch = globalThis.fetch.bind(globalThis);

export interface SendOptions {
  headers?: Record<string, string>;
  /** Cookie name → value; values are percent-encoded as a browser jar would send them. */
  cookies?: Record<string, string>;
  body?: string;
}

export interface Reply {
  status: number;
  text: string;
  body: unknown;
  headers: Headers;
  setCookies: string[];
}

const LEAK = /(\n\s*at\s|\bat\s+\S+\s\(|node_modules|SQLITE|\bSELECT\b|\bINSERT\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|\bsyntax error\b|TypeError|RangeError|ReferenceError|\bstack\b)/i;

/** Every reply of the suite: never a 5xx, never a stack trace or SQL text. */
export function expectClean(reply: { status: number; text: string }): void {
  expect(reply.status, `5xx with body ${reply.text.slice(0, 300)}`).toBeLessThan(500);
  expect(reply.text).not.toMatch(LEAK);
}

export function cookieHeader(cookies: Record<string, string>): string {
  return Object.entries(cookies)
    .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
    .join("; ");
}

export async function send(app: { url: string }, method: string, path: string, options: SendOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.cookies && Object.keys(options.cookies).length > 0) headers.cookie = cookieHeader(options.cookies);
  if (options.body !== undefined && !("content-type" in headers)) headers["content-type"] = "application/json";
  const response = await realFetch(app.url + path, { method, headers, body: options.body });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  const reply = { status: response.status, text, body, headers: response.headers, setCookies: response.headers.getSetCookie() };
  expectClean(reply);
  return reply;
}

/**
 * For what fetch cannot send (several header lines of one name, oversized headers): node:http with
 * raw header pairs. Answers of node's own parser (431) come back like any other.
 */
export function sendRaw(app: { url: string }, method: string, path: string, rawHeaders: [string, string][], body?: string): Promise<Reply> {
  const url = new URL(app.url);
  return new Promise((resolve, reject) => {
    // With raw header pairs node adds no Host header of its own.
    const flat = [["host", url.host] as [string, string], ...rawHeaders].flat();
    if (body !== undefined) flat.push("content-length", String(Buffer.byteLength(body)));
    const req = http.request({ host: url.hostname, port: url.port, method, path, headers: flat as unknown as http.OutgoingHttpHeaders });
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let parsed: unknown = text;
        try {
          parsed = text === "" ? undefined : JSON.parse(text);
        } catch {
          // not JSON
        }
        const headers = new Headers();
        for (let i = 0; i < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
        const reply = { status: res.statusCode ?? 0, text, body: parsed, headers, setCookies: headers.getSetCookie() };
        expectClean(reply);
        resolve(reply);
      });
    });
    req.end(body);
  });
}

/** Options that carry an access token the way `mode` does (with the custom-header anti-CSRF proof). */
export function carry(mode: Mode, accessToken: string, extra: SendOptions = {}): SendOptions {
  return mode === "cookie"
    ? { ...extra, headers: { rid: "anti-csrf", ...extra.headers }, cookies: { sAccessToken: accessToken, ...extra.cookies } }
    : { ...extra, headers: { rid: "anti-csrf", authorization: `Bearer ${accessToken}`, ...extra.headers }, cookies: extra.cookies };
}

/** Options that carry a refresh token to POST /auth/session/refresh the way `mode` does. */
export function carryRefresh(mode: Mode, refreshToken: string, extra: SendOptions = {}): SendOptions {
  return mode === "cookie"
    ? { ...extra, headers: { rid: "session", ...extra.headers }, cookies: { sRefreshToken: refreshToken, ...extra.cookies } }
    : { ...extra, headers: { rid: "session", authorization: `Bearer ${refreshToken}`, ...extra.headers }, cookies: extra.cookies };
}

export function expectOutcome(reply: Reply, outcome: Outcome): void {
  expect({ status: reply.status, body: reply.body }).toEqual(outcome);
}

/** The reply hands out no token and clears none. */
export function expectNoTokenChange(reply: Reply): void {
  expect(reply.setCookies).toEqual([]);
  for (const name of ["st-access-token", "st-refresh-token", "front-token", "anti-csrf"]) expect(reply.headers.get(name), name).toBeNull();
}

/** The reply clears the session tokens in both transfer methods (protocol 1.10). */
export function expectTokensCleared(reply: Reply): void {
  const cleared = (name: string) => reply.setCookies.some((c) => c.startsWith(`${name}=;`) && c.includes("Expires=Thu, 01 Jan 1970 00:00:00 GMT"));
  expect(cleared("sAccessToken"), reply.setCookies.join("\n")).toBe(true);
  expect(cleared("sRefreshToken"), reply.setCookies.join("\n")).toBe(true);
  expect(reply.headers.get("front-token")).toBe("remove");
  expect(reply.headers.get("st-access-token")).toBe("");
  expect(reply.headers.get("st-refresh-token")).toBe("");
}

// ---- the test app ----

export interface StorageSnapshot {
  sessions: Record<string, unknown>[];
  signingKeys: Record<string, unknown>[];
  secrets: Record<string, unknown>[];
  counter: number;
}

export interface SignedIn {
  client: Client;
  mode: Mode;
  userId: string;
  access: string;
  refresh: string;
  antiCsrf: string | undefined;
  handle: string;
}

export interface SecApp extends TestApp {
  counter: { value: number };
  dbFile: string;
  /** Every row of sessions, signing_keys and secrets, read from the file, plus the side-effect counter. */
  snapshot(): StorageSnapshot;
  sessionRow(handle: string): Record<string, unknown> | undefined;
  sessionCount(userId?: string): number;
  signIn(userId: string, mode: Mode, client?: Client): Promise<SignedIn>;
  /** Switches getTokenTransferMethod: "header" or "cookie" only, or "default" (any; new sessions follow st-auth-mode). */
  setTransferMethod(method: "header" | "cookie" | "default"): void;
}

const noClaims = { overrideGlobalClaimValidators: () => [] };

function identity(req: SessionRequest) {
  const session = req.session!;
  return { userId: session.getUserId(), handle: session.getHandle() };
}

/**
 * The reference's routes: `GET /t/session`, `POST /t/write` (the side-effect probe), `GET /t/2fa`,
 * plus `POST /t/signin` (sign in by user id, `2fa-completed:false`), `GET /t/session-db`
 * (checkDatabase) and `POST /t/complete-2fa` (sets the claim on the live session). The database is a
 * file so the test can read it directly.
 */
export async function startSecApp(options: { session?: SessionConfig } = {}): Promise<SecApp> {
  const dir = mkdtempSync(join(tmpdir(), "tessera-sec-"));
  const dbFile = join(dir, "tessera.db");
  const counter = { value: 0 };
  let transfer: "header" | "cookie" | "default" = "default";
  const app = await startTestApp({
    database: `sqlite:${dbFile}`,
    session: {
      // One app serves every transfer-mode configuration (one tessera per process, and each app costs an RSA key).
      getTokenTransferMethod: ({ req, forCreateNewSession }) => {
        if (transfer !== "default") return transfer;
        const asked = req.getHeader("st-auth-mode")?.toLowerCase();
        return forCreateNewSession && (asked === "header" || asked === "cookie") ? asked : "any";
      },
      ...options.session,
    },
    routes: (a) => {
      a.post("/t/signin", async (req, res, next) => {
        try {
          // Read through the engine's own body reader: its limits and errors are under test too.
          const body = (await wrapRequest(req).getJSONBody()) as { userId?: unknown } | null;
          const userId = body?.userId;
          if (typeof userId !== "string" || userId === "") {
            res.status(400).json({ message: "userId must be a non-empty string" });
            return;
          }
          const session = await Session.createNewSession(req, res, "public", userId, SecondFactorClaim.addToPayload_internal({}, false));
          res.json({ status: "OK", handle: session.getHandle() });
        } catch (error) {
          next(error);
        }
      });
      a.get("/t/session", verifySession(noClaims), (req: SessionRequest, res) => {
        res.json(identity(req));
      });
      a.get("/t/session-db", verifySession({ ...noClaims, checkDatabase: true }), (req: SessionRequest, res) => {
        res.json(identity(req));
      });
      a.post("/t/write", verifySession(noClaims), (req: SessionRequest, res) => {
        counter.value += 1;
        res.json({ ...identity(req), counter: counter.value });
      });
      a.get("/t/2fa", verifySession({ overrideGlobalClaimValidators: (global) => [...global, SecondFactorClaim.validators.hasValue(true)] }), (req: SessionRequest, res) => {
        res.json(identity(req));
      });
      a.post("/t/complete-2fa", verifySession(noClaims), async (req: SessionRequest, res) => {
        await req.session!.setClaimValue(SecondFactorClaim, true);
        res.json({ status: "OK" });
      });
    },
  });
  let reader: Database.Database | undefined;
  const db = () => (reader ??= new Database(dbFile, { readonly: true, fileMustExist: true }));
  const all = (sql: string, ...params: unknown[]) => db().prepare(sql).all(...params) as Record<string, unknown>[];
  const secApp: SecApp = {
    ...app,
    counter,
    dbFile,
    snapshot: () => ({
      sessions: all("SELECT * FROM sessions ORDER BY handle"),
      signingKeys: all("SELECT * FROM signing_keys ORDER BY kid"),
      secrets: all("SELECT * FROM secrets ORDER BY name"),
      counter: counter.value,
    }),
    sessionRow: (handle) => all("SELECT * FROM sessions WHERE handle = ?", handle)[0],
    sessionCount: (userId) => (userId === undefined ? all("SELECT handle FROM sessions").length : all("SELECT handle FROM sessions WHERE user_id = ?", userId).length),
    async signIn(userId, mode, client = new Client(app.url, mode)) {
      const reply = await client.request("POST", "/t/signin", { body: { userId } });
      expect(reply.status).toBe(200);
      const access = mode === "cookie" ? client.cookie("sAccessToken") : client.accessToken;
      const refresh = mode === "cookie" ? client.cookie("sRefreshToken") : client.refreshToken;
      if (!access || !refresh) throw new Error(`sign-in gave no tokens in ${mode} mode`);
      return { client, mode, userId, access, refresh, antiCsrf: client.antiCsrf, handle: String(reply.body?.handle) };
    },
    setTransferMethod: (method) => {
      transfer = method;
    },
    close: async () => {
      reader?.close();
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return secApp;
}

// ---- tokens ----

export function sessionRecipe(): SessionRecipe {
  const recipe = getInstance().recipes.find((r) => r.id === SESSION_RECIPE_ID);
  if (!recipe) throw new Error("no session recipe");
  return recipe as SessionRecipe;
}

/** Signs `payload` with the running app's real dynamic key: the way to test claim checks past the signature. */
export async function mintWithRealKey(payload: Record<string, unknown>): Promise<string> {
  const { kid, privateKey } = await sessionRecipe().state.keys.signingKey("dynamic");
  return signAccessToken(payload as AccessTokenPayload, kid, privateKey);
}

export const b64 = (value: unknown): string => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

export interface Parts {
  h: string;
  p: string;
  s: string;
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

export function parts(token: string): Parts {
  const [h = "", p = "", s = ""] = token.split(".");
  return {
    h,
    p,
    s,
    header: JSON.parse(Buffer.from(h, "base64url").toString("utf8")) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as Record<string, unknown>,
  };
}

/** An RS256 signature over `h.p` with any key (the attacker's). */
export function rs256(signingInput: string, key: KeyObject): string {
  return createSign("sha256").update(signingInput).sign(key).toString("base64url");
}

/** Wraps every function of storage.sessions and storage.keys to record which ran: "no extra SQL". */
export function recordStorageCalls(): { calls: string[]; restore(): void } {
  const storage = getInstance().storage as unknown as Record<string, Record<string, unknown>>;
  const calls: string[] = [];
  const restores: (() => void)[] = [];
  for (const area of ["sessions", "keys"]) {
    const store = storage[area] as Record<string, unknown>;
    for (const [name, fn] of Object.entries(store)) {
      if (typeof fn !== "function") continue;
      store[name] = (...args: unknown[]) => {
        calls.push(`${area}.${name}`);
        return (fn as (...a: unknown[]) => unknown).apply(store, args);
      };
      restores.push(() => {
        store[name] = fn;
      });
    }
  }
  return { calls, restore: () => restores.forEach((r) => r()) };
}

// ---- a self-signed X.509 certificate for the x5c header (SEC-07), built here: no fixture key in the repo ----

function der(tag: number, content: Buffer): Buffer {
  const len = content.length;
  const head = len < 0x80 ? Buffer.from([tag, len]) : len < 0x100 ? Buffer.from([tag, 0x81, len]) : Buffer.from([tag, 0x82, len >> 8, len & 0xff]);
  return Buffer.concat([head, content]);
}
const seq = (...items: Buffer[]) => der(0x30, Buffer.concat(items));
const oid = (bytes: number[]) => der(0x06, Buffer.from(bytes));
const SHA256_WITH_RSA = seq(oid([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]), Buffer.from([0x05, 0x00]));
const name = (cn: string) => seq(der(0x31, seq(oid([0x55, 0x04, 0x03]), der(0x0c, Buffer.from(cn)))));

/** DER of a self-signed certificate (CN=`cn`) for the RSA key pair. */
export function selfSignedCertificate(cn: string, publicKey: KeyObject, privateKey: KeyObject): Buffer {
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([0x02]))),
    der(0x02, Buffer.concat([Buffer.from([0x01]), createHash("sha256").update(cn).digest().subarray(0, 8)])),
    SHA256_WITH_RSA,
    name(cn),
    seq(der(0x17, Buffer.from("200101000000Z")), der(0x17, Buffer.from("491231235959Z"))),
    name(cn),
    publicKey.export({ type: "spki", format: "der" }),
  );
  const signature = cryptoSign("sha256", tbs, privateKey);
  return seq(tbs, SHA256_WITH_RSA, der(0x03, Buffer.concat([Buffer.from([0x00]), signature])));
}

/** Runs `action` and asserts that sessions, signing_keys, secrets and the counter are exactly as before. */
export async function expectStorageUnchanged(app: SecApp, action: () => Promise<void>): Promise<void> {
  const before = app.snapshot();
  await action();
  expect(app.snapshot()).toEqual(before);
}

/** The access token a reply issued, in either transfer method, or undefined. */
export function issuedAccessToken(reply: Reply): string | undefined {
  const header = reply.headers.get("st-access-token");
  if (header) return header;
  const cookie = reply.setCookies.find((c) => c.startsWith("sAccessToken=") && !c.startsWith("sAccessToken=;"));
  return cookie === undefined ? undefined : decodeURIComponent(cookie.slice("sAccessToken=".length, cookie.indexOf(";")));
}

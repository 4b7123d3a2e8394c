/**
 * Shared pieces of the session behaviour suite: an app with the usual session routes, a raw
 * HTTP sender (no default headers, unlike `Client`), and decoders for Set-Cookie, JWTs and
 * front-tokens.
 */
import { createHash } from "node:crypto";
import type { Express } from "express";
import { afterAll, beforeAll } from "vitest";
import type { SessionRequest } from "../../src/framework/express/index.js";
import { verifySession } from "../../src/recipe/session/framework/express.js";
import Session from "../../src/recipe/session/index.js";
import { getSessionRecipe } from "../../src/recipe/session/recipe.js";
import type { JSONObject } from "../../src/recipe/session/types.js";
import { Client, startTestApp, type TestApp, type TestAppOptions } from "../helpers/app.js";

export const EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT";
export const YEAR_MS = 365 * 24 * 3600 * 1000;
export const DAY_MS = 24 * 3600 * 1000;
export const REFRESH_PATH = "/auth/session/refresh";

/** The ten keys every fresh access token carries (protocol 1.2). */
export const STANDARD_KEYS = ["sub", "rsub", "exp", "iat", "sessionHandle", "refreshTokenHash1", "parentRefreshTokenHash1", "antiCsrfToken", "tId", "iss"].sort();

/**
 * One app for a whole `describe` (tessera is a singleton, and generating its RSA signing key is
 * the slow part of a start): started before the block's first test, closed after its last. Tests
 * sharing it must not rely on absolute times: read `clock.now()`.
 */
export function sharedApp(options: TestAppOptions = {}): { readonly url: string; readonly clock: TestApp["clock"]; client(mode?: "cookie" | "header"): Client } {
  let current: TestApp | undefined;
  beforeAll(async () => {
    current = await startSessionApp(options);
  });
  afterAll(async () => current?.close());
  const app = () => {
    if (!current) throw new Error("the shared app is not started");
    return current;
  };
  return {
    get url() {
      return app().url;
    },
    get clock() {
      return app().clock;
    },
    client: (mode = "cookie") => new Client(app().url, mode),
  };
}

/**
 * Starts an app with the routes most tests use:
 * - `POST /create` body `{userId?, payload?, data?}` creates a session, answers `{handle}`;
 * - `GET|POST /verify` verifySession(), answers `{userId, handle, payload}`;
 * - `GET|POST /verify-db` the same with `checkDatabase: true`;
 * - `GET /optional` verifySession({sessionRequired: false}), answers `{hasSession, userId?}`.
 * `routes` in the options are added first, so a test can add its own.
 */
export async function startSessionApp(options: TestAppOptions = {}): Promise<TestApp> {
  return startTestApp({
    ...options,
    routes: (app) => {
      options.routes?.(app);
      addSessionRoutes(app);
    },
  });
}

function describeSession(req: SessionRequest) {
  const s = req.session!;
  return { userId: s.getUserId(), handle: s.getHandle(), payload: s.getAccessTokenPayload() };
}

export function addSessionRoutes(app: Express): void {
  app.post("/create", async (req, res) => {
    const body = (await readJSON(req)) as { userId?: string; payload?: JSONObject; data?: JSONObject };
    const session = await Session.createNewSession(req, res, "public", body.userId ?? "user-1", body.payload ?? {}, body.data ?? {});
    res.json({ handle: session.getHandle() });
  });
  app.get("/verify", verifySession(), (req: SessionRequest, res) => res.json(describeSession(req)));
  app.post("/verify", verifySession(), (req: SessionRequest, res) => res.json(describeSession(req)));
  app.get("/verify-db", verifySession({ checkDatabase: true }), (req: SessionRequest, res) => res.json(describeSession(req)));
  app.post("/verify-db", verifySession({ checkDatabase: true }), (req: SessionRequest, res) => res.json(describeSession(req)));
  app.get("/optional", verifySession({ sessionRequired: false }), (req: SessionRequest, res) =>
    res.json(req.session ? { hasSession: true, userId: req.session.getUserId() } : { hasSession: false }),
  );
}

/** Reads a JSON body without a body parser (tessera's own routes read the stream themselves). */
export async function readJSON(req: NodeJS.ReadableStream): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? {} : JSON.parse(text);
}

export interface Sent {
  status: number;
  body: Record<string, unknown> | undefined;
  headers: Headers;
  cookies: ParsedCookie[];
}

/** One request exactly as given: no `st-auth-mode`, no `rid`, no cookie jar. */
export async function send(
  baseUrl: string,
  method: string,
  path: string,
  init: { headers?: Record<string, string>; cookies?: Record<string, string>; body?: unknown } = {},
): Promise<Sent> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const cookies = Object.entries(init.cookies ?? {});
  if (cookies.length > 0) headers.cookie = cookies.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("; ");
  const response = await fetch(baseUrl + path, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await response.text();
  let body: Record<string, unknown> | undefined;
  try {
    body = text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    body = undefined;
  }
  return { status: response.status, body, headers: response.headers, cookies: parseSetCookies(response.headers) };
}

export interface ParsedCookie {
  raw: string;
  name: string;
  value: string;
  path: string | undefined;
  domain: string | undefined;
  expires: string | undefined;
  httpOnly: boolean;
  secure: boolean;
  sameSite: string | undefined;
}

export function parseSetCookies(headers: Headers): ParsedCookie[] {
  return headers.getSetCookie().map((raw) => {
    const [pair = "", ...attributes] = raw.split(";").map((s) => s.trim());
    const attr = (name: string) => {
      const found = attributes.find((a) => a.toLowerCase().startsWith(`${name.toLowerCase()}=`));
      return found === undefined ? undefined : found.slice(name.length + 1);
    };
    const flag = (name: string) => attributes.some((a) => a.toLowerCase() === name.toLowerCase());
    return {
      raw,
      name: pair.slice(0, pair.indexOf("=")),
      value: decodeURIComponent(pair.slice(pair.indexOf("=") + 1)),
      path: attr("Path"),
      domain: attr("Domain"),
      expires: attr("Expires"),
      httpOnly: flag("HttpOnly"),
      secure: flag("Secure"),
      sameSite: attr("SameSite"),
    };
  });
}

export function cookieIn(headers: Headers, name: string): ParsedCookie | undefined {
  return parseSetCookies(headers).find((c) => c.name === name);
}

/** The names and values of all Set-Cookie lines, for exact comparisons of what was cleared. */
export function setCookieSummary(headers: Headers): { name: string; value: string; path: string | undefined; expires: string | undefined }[] {
  return parseSetCookies(headers).map(({ name, value, path, expires }) => ({ name, value, path, expires }));
}

/** What a response that clears every transfer method looks like (protocol 1.6). */
export function clearingOf(headers: Headers): { cookies: ReturnType<typeof setCookieSummary>; access: string | null; refresh: string | null; front: string | null; antiCsrf: string | null } {
  return {
    cookies: setCookieSummary(headers),
    access: headers.get("st-access-token"),
    refresh: headers.get("st-refresh-token"),
    front: headers.get("front-token"),
    antiCsrf: headers.get("anti-csrf"),
  };
}

export const CLEARED_EVERYWHERE = {
  cookies: [
    { name: "sAccessToken", value: "", path: "/", expires: EPOCH },
    { name: "sRefreshToken", value: "", path: REFRESH_PATH, expires: EPOCH },
  ],
  access: "",
  refresh: "",
  front: "remove",
  antiCsrf: null,
};

/** Access-Control-Expose-Headers as a sorted list, for responses where the order carries no meaning. */
export function exposedHeaders(headers: Headers): string[] {
  return (headers.get("access-control-expose-headers") ?? "").split(",").map((s) => s.trim()).filter(Boolean).sort();
}

export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h = "", p = ""] = token.split(".");
  return {
    header: JSON.parse(Buffer.from(h, "base64url").toString("utf8")) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as Record<string, unknown>,
  };
}

export function decodeFrontToken(value: string): { uid: string; ate: number; up: Record<string, unknown> } {
  return JSON.parse(Buffer.from(value, "base64").toString("utf8")) as { uid: string; ate: number; up: Record<string, unknown> };
}

export const sha256 = (value: string): string => createHash("sha256").update(value).digest("hex");

/** The client's current access token, whichever mode it is in. */
export function accessTokenOf(c: Client): string {
  const token = c.mode === "cookie" ? c.cookie("sAccessToken") : c.accessToken;
  if (!token) throw new Error("the client holds no access token");
  return token;
}

export function refreshTokenOf(c: Client): string {
  const token = c.mode === "cookie" ? c.cookie("sRefreshToken") : c.refreshToken;
  if (!token) throw new Error("the client holds no refresh token");
  return token;
}

/** A second client holding a copy of `c`'s tokens: another tab, or an attacker with a stolen copy. */
export function fork(c: Client): Client {
  const copy = new Client(c.baseUrl, c.mode);
  for (const [key, value] of c.cookies) copy.cookies.set(key, { ...value });
  copy.accessToken = c.accessToken;
  copy.refreshToken = c.refreshToken;
  copy.antiCsrf = c.antiCsrf;
  copy.frontToken = c.frontToken;
  return copy;
}

/** Creates a session through `POST /create` and returns its handle. */
export async function signIn(c: Client, body: { userId?: string; payload?: JSONObject; data?: JSONObject } = {}): Promise<string> {
  const res = await c.request("POST", "/create", { body });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${JSON.stringify(res.body)}`);
  return String(res.body?.handle);
}

/** The stored session row, read straight from storage. */
export function sessionRow(handle: string) {
  return getSessionRecipe().state.storage.sessions.get(handle);
}

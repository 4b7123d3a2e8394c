/**
 * The framework conformance suite: written once, run against every framework adapter through a
 * real server of that framework bound to loopback. A `<framework>.conformance.test.ts` calls
 *
 *   describeFrameworkSuite("fastify", start);
 *
 * HOW IT RUNS
 * - `name` is also the `framework` given to `tessera.init`: the name the adapter registered with
 *   `registerFrameworkWrapper` (express, fastify, hapi, koa, loopback, awsLambda, …), so that
 *   `Session.createNewSession(req, res, …)` accepts the framework's own objects.
 * - The suite calls `tessera.init(...)` itself (real SQLite `:memory:`, a fixed clock from
 *   core/clock.ts that it advances, `Session.init` with the options each group needs and
 *   `EmailPassword.init()`), THEN calls
 *   `start(ctx)`; after the group it calls `close()` and `tessera.reset()`. `start` may be called
 *   several times in one file (once per group), each time after a fresh init.
 *
 * WHAT `start(ctx)` MUST BUILD: a real server of the framework listening on 127.0.0.1 (for a
 * framework without a server of its own: any loopback server that hands the framework real
 * objects, e.g. Lambda events), resolving to `{ url, close }` (`url` without a trailing slash).
 * It must expose, with tessera's middleware/plugin and error handler installed as the framework
 * does it (no auth logic in the app):
 *   - `/auth/*`: tessera's API (`POST /auth/session/refresh`, `POST /auth/signout`, and the
 *     EmailPassword recipe's `POST /auth/signup` / `POST /auth/signin`, whose JSON bodies go through
 *     the adapter's body reading, after whatever body parser the app installs); a path under
 *     `/auth` that tessera does not serve is left to the framework (404);
 *   - `POST /login`: JSON body `{ userId }` → `Session.createNewSession(req, res, "public", userId)`
 *     with the framework's own request/response objects → 200 `{ handle }`; a malformed JSON body
 *     must end as 400 (never 500), whoever parses it;
 *   - `POST /like-comment`: `verifySession({ overrideGlobalClaimValidators: (g) => [...g,
 *     ctx.SecondFactorClaim.validators.hasValue(true)] })` → 200 `{ userId }`;
 *   - `POST /complete`: `verifySession()` → `await session.setClaimValue(ctx.SecondFactorClaim, true)`
 *     → 200 `{}`;
 *   - `GET /optional`: `verifySession({ sessionRequired: false })` → 200 `{ userId: <id or null> }`;
 *   - `GET /protected`: `verifySession()` → 200 `{ userId }`.
 *   Responses are JSON. Raw Set-Cookie headers must reach the client one per cookie (never merged
 *   into one line, never lost).
 *
 * Every case runs in cookie mode and in header mode (`st-auth-mode`), with test/helpers/app.ts's
 * `Client`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import tessera from "../../src/index.js";
import { fixedClock } from "../../src/core/clock.js";
import Session from "../../src/recipe/session/index.js";
import EmailPassword from "../../src/recipe/emailpassword/index.js";
import type { BooleanClaim } from "../../src/recipe/session/claims/index.js";
import type { SessionConfig } from "../../src/recipe/session/types.js";
import { Client, T0_MS } from "../helpers/app.js";
import { SecondFactorClaim } from "./framework-claim.js";

export interface FrameworkServer {
  url: string;
  close(): Promise<void>;
}

export type StartFrameworkServer = (ctx: { SecondFactorClaim: BooleanClaim }) => Promise<FrameworkServer>;

const MODES = ["cookie", "header"] as const;
type Mode = (typeof MODES)[number];
const ACCESS_TOKEN_VALIDITY_MS = 3600 * 1000;
const REFRESH_GRACE_MS = 10_000;
/** Generating the signing key and starting a framework can take a few seconds on a loaded machine. */
const START_TIMEOUT_MS = 60_000;

const INVALID_CLAIM_BODY = {
  message: "invalid claim",
  claimValidationErrors: [{ id: "2fa-completed", reason: { message: "wrong value", expectedValue: true, actualValue: false } }],
};

/** global-validators.ts from the seed: the claim added to every route's global validators. */
const GLOBAL_VALIDATORS_CONFIG: SessionConfig = {
  override: {
    functions: (oI) => ({
      ...oI,
      getGlobalClaimValidators: (input) => [...input.claimValidatorsAddedByOtherRecipes, SecondFactorClaim.validators.hasValue(true)],
    }),
  },
};

interface Running {
  url: string;
  clock: ReturnType<typeof fixedClock>;
  client(mode: Mode): Client;
}

/** One group of cases on one init + one server: started before its first case, closed after its last. */
function withServer(framework: string, start: StartFrameworkServer, session: SessionConfig | undefined): Running {
  let state: { server: FrameworkServer; clock: ReturnType<typeof fixedClock> } | undefined;
  beforeAll(async () => {
    const clock = fixedClock(T0_MS);
    tessera.init({
      framework,
      appInfo: { appName: "Conformance", apiDomain: "http://127.0.0.1", websiteDomain: "http://127.0.0.1", apiBasePath: "/auth" },
      database: "sqlite::memory:",
      recipeList: [Session.init(session), EmailPassword.init()],
      clock,
    });
    try {
      state = { server: await start({ SecondFactorClaim }), clock };
    } catch (error) {
      await tessera.reset();
      throw error;
    }
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    try {
      await state?.server.close();
    } finally {
      state = undefined;
      await tessera.reset();
    }
  });
  const current = () => {
    if (!state) throw new Error("the framework server is not running (see the beforeAll error)");
    return state;
  };
  return {
    get url() {
      return current().server.url;
    },
    get clock() {
      return current().clock;
    },
    client: (mode) => new Client(current().server.url.replace(/\/$/, ""), mode),
  };
}

function decodeJwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
}

/** The access token a response delivered, in either mode. */
function deliveredAccessToken(headers: Headers, mode: Mode): string | undefined {
  if (mode === "header") return headers.get("st-access-token") ?? undefined;
  const line = headers.getSetCookie().find((c) => c.startsWith("sAccessToken="));
  const value = line?.slice("sAccessToken=".length).split(";")[0];
  return value ? decodeURIComponent(value) : undefined;
}

/** The names in Access-Control-Expose-Headers, sorted (protocol 1.1: every header the SDK must read). */
function exposedHeaders(headers: Headers): string[] {
  return (headers.get("access-control-expose-headers") ?? "").split(",").map((name) => name.trim().toLowerCase()).filter(Boolean).sort();
}

/** A second client holding a copy of `c`'s tokens (a stolen copy). */
function fork(c: Client): Client {
  const copy = new Client(c.baseUrl, c.mode);
  for (const [key, value] of c.cookies) copy.cookies.set(key, { ...value });
  copy.accessToken = c.accessToken;
  copy.refreshToken = c.refreshToken;
  copy.antiCsrf = c.antiCsrf;
  copy.frontToken = c.frontToken;
  return copy;
}

async function login(c: Client, userId: string): Promise<string> {
  const res = await c.request("POST", "/login", { body: { userId } });
  if (res.status !== 200) throw new Error(`POST /login answered ${res.status} ${JSON.stringify(res.body)}`);
  return String(res.body?.handle);
}

let userCounter = 0;
const newUserId = (mode: Mode) => `user-${mode}-${++userCounter}`;
const newEmail = (mode: Mode) => `user-${mode}-${++userCounter}@example.com`;
const PASSWORD = "correct horse battery staple";

/** The EmailPassword sign-up / sign-in body (protocol 4.2). */
const credentials = (email: string, password: string) => ({ formFields: [{ id: "email", value: email }, { id: "password", value: password }] });

/** Posts a raw body to one of tessera's endpoints, as JSON, and reads the answer as text. */
async function postRaw(c: Client, path: string, body: string | Uint8Array) {
  const res = await fetch(`${c.baseUrl}${path}`, { method: "POST", headers: { "content-type": "application/json", "st-auth-mode": c.mode }, body });
  return { status: res.status, contentType: res.headers.get("content-type"), text: await res.text() };
}

/** A 400 whose body is JSON `{ message }` with a non-empty message, and nothing of a stack or a source path. */
function expectBadInput(res: { status: number; contentType: string | null; text: string }, label: string): void {
  expect(res.status, `${label}: ${res.text.slice(0, 300)}`).toBe(400);
  expectNoInternals(res, label);
  const body = JSON.parse(res.text) as Record<string, unknown>;
  expect(typeof body.message, label).toBe("string");
  expect(String(body.message).length, label).toBeGreaterThan(0);
}

/** JSON, and no stack trace, file path or error class name leaking into the body. */
function expectNoInternals(res: { contentType: string | null; text: string }, label: string): void {
  expect(res.contentType, `${label}: ${res.text.slice(0, 300)}`).toMatch(/^application\/json/);
  expect(res.text, label).not.toMatch(/\bat [^\s]+ \(|node_modules|\.[cm]?[jt]s:\d+|"stack"|SyntaxError|TypeError/);
}

/**
 * Declares the conformance cases for one framework. `name` names the describe block and is the
 * `framework` passed to `tessera.init` (see the header). `options.skip` skips it all (e.g. when the
 * framework cannot start on this machine).
 */
export function describeFrameworkSuite(name: string, start: StartFrameworkServer, options?: { skip?: boolean }): void {
  const block = options?.skip ? describe.skip : describe;
  block(`framework conformance: ${name}`, () => {
    describe("with the default session config", () => {
      const app = withServer(name, start, undefined);

      describe.each(MODES)("%s mode", (mode) => {
        it("answers 401 unauthorised as JSON when there is no session", async () => {
          const c = app.client(mode);
          for (const [method, path] of [["GET", "/protected"], ["POST", "/like-comment"], ["POST", "/complete"]] as const) {
            const res = await c.request(method, path);
            expect(res.status, `${method} ${path}`).toBe(401);
            expect(res.body, `${method} ${path}`).toStrictEqual({ message: "unauthorised" });
            expect(res.headers.get("content-type"), `${method} ${path}`).toMatch(/^application\/json/);
          }
        });

        it("logs in through the app's own route and delivers the tokens, each Set-Cookie on its own line", async () => {
          const c = app.client(mode);
          const res = await c.request("POST", "/login", { body: { userId: newUserId(mode) } });
          expect(res.status).toBe(200);
          expect(typeof res.body?.handle).toBe("string");
          expect(res.headers.get("front-token")).toBeTruthy();
          const names = res.headers.getSetCookie().map((line) => line.slice(0, line.indexOf("=")));
          if (mode === "cookie") {
            expect(names).toContain("sAccessToken");
            expect(names).toContain("sRefreshToken");
            for (const line of res.headers.getSetCookie()) expect(line.match(/HttpOnly/gi) ?? [], line).toHaveLength(1);
          } else {
            expect(names).not.toContain("sAccessToken");
            expect(res.headers.get("st-access-token")).toBeTruthy();
            expect(res.headers.get("st-refresh-token")).toBeTruthy();
          }
          expect(exposedHeaders(res.headers)).toEqual(mode === "cookie" ? ["front-token"] : ["front-token", "st-access-token", "st-refresh-token"]);
        });

        it("lets a request with a session through to the handler, with the session set", async () => {
          const c = app.client(mode);
          const userId = newUserId(mode);
          await login(c, userId);
          expect(await c.request("GET", "/protected")).toMatchObject({ status: 200, body: { userId } });
        });

        it("answers 401 try refresh token for an expired access token, and the refreshed session works", async () => {
          const c = app.client(mode);
          const userId = newUserId(mode);
          await login(c, userId);
          app.clock.advance(ACCESS_TOKEN_VALIDITY_MS + 1_000);
          const expired = await c.request("GET", "/protected");
          expect(expired.status).toBe(401);
          expect(expired.body).toStrictEqual({ message: "try refresh token" });
          expect((await c.refresh()).status).toBe(200);
          expect(await c.request("GET", "/protected")).toMatchObject({ status: 200, body: { userId } });
        });

        it("answers 403 with the exact invalid-claim body while the claim is false", async () => {
          const c = app.client(mode);
          await login(c, newUserId(mode));
          const res = await c.request("POST", "/like-comment");
          expect(res.status).toBe(403);
          expect(res.body).toStrictEqual(INVALID_CLAIM_BODY);
        });

        it("runs the guarded handler once the claim is set, and the setting response carries the claim", async () => {
          const c = app.client(mode);
          const userId = newUserId(mode);
          await login(c, userId);
          expect((await c.request("POST", "/like-comment")).status).toBe(403);
          const complete = await c.request("POST", "/complete");
          expect(complete.status).toBe(200);
          expect(complete.body).toStrictEqual({});
          const token = deliveredAccessToken(complete.headers, mode);
          expect(token, "the /complete response delivers a new access token").toBeTruthy();
          expect(decodeJwtPayload(token!)["2fa-completed"]).toMatchObject({ v: true });
          expect(c.frontPayload()?.["2fa-completed"]).toMatchObject({ v: true });
          expect(await c.request("POST", "/like-comment")).toMatchObject({ status: 200, body: { userId } });
        });

        it("refreshes through /auth/session/refresh: new tokens that work, each Set-Cookie on its own line", async () => {
          const c = app.client(mode);
          const userId = newUserId(mode);
          await login(c, userId);
          const before = mode === "cookie" ? c.cookie("sRefreshToken") : c.refreshToken;
          const res = await c.refresh();
          expect(res.status).toBe(200);
          const after = mode === "cookie" ? c.cookie("sRefreshToken") : c.refreshToken;
          expect(after).toBeTruthy();
          expect(after).not.toBe(before);
          if (mode === "cookie") {
            const names = res.headers.getSetCookie().map((line) => line.slice(0, line.indexOf("=")));
            expect(names).toContain("sAccessToken");
            expect(names).toContain("sRefreshToken");
          }
          // Each header the SDK reads is listed once, and nothing else (a framework that reads an
          // unset header as "undefined" once added that word).
          expect(exposedHeaders(res.headers)).toEqual(mode === "cookie" ? ["front-token"] : ["front-token", "st-access-token", "st-refresh-token"]);
          expect(await c.request("GET", "/protected")).toMatchObject({ status: 200, body: { userId } });
        });

        it("signs out through /auth/signout: tokens cleared, the session gone", async () => {
          const c = app.client(mode);
          await login(c, newUserId(mode));
          const stolen = fork(c);
          const res = await c.request("POST", "/auth/signout");
          expect(res.status).toBe(200);
          expect(res.body).toStrictEqual({ status: "OK" });
          expect(res.headers.get("front-token")).toBe("remove");
          if (mode === "cookie") expect(c.cookie("sAccessToken")).toBeUndefined();
          else expect(c.accessToken).toBeUndefined();
          expect(await c.request("GET", "/protected")).toMatchObject({ status: 401, body: { message: "unauthorised" } });
          expect(await stolen.refresh()).toMatchObject({ status: 401, body: { message: "unauthorised" } });
        });

        it("detects theft: the old refresh token after its child was used and the grace window passed", async () => {
          const victim = app.client(mode);
          await login(victim, newUserId(mode));
          const thief = fork(victim);
          expect((await victim.refresh()).status).toBe(200);
          expect((await victim.request("GET", "/protected")).status).toBe(200);
          app.clock.advance(REFRESH_GRACE_MS + 1_000);
          const res = await thief.refresh();
          expect(res.status).toBe(401);
          expect(res.body).toStrictEqual({ message: "token theft detected" });
          expect(res.headers.get("front-token")).toBe("remove");
          // The session is revoked: the victim's newer refresh token is refused too.
          expect(await victim.refresh()).toMatchObject({ status: 401, body: { message: "unauthorised" } });
        });

        it("with sessionRequired: false, runs the handler without a session and with one", async () => {
          const c = app.client(mode);
          expect(await c.request("GET", "/optional")).toMatchObject({ status: 200, body: { userId: null } });
          const userId = newUserId(mode);
          await login(c, userId);
          expect(await c.request("GET", "/optional")).toMatchObject({ status: 200, body: { userId } });
          // An expired token is not "no session": the client must refresh.
          app.clock.advance(ACCESS_TOKEN_VALIDITY_MS + 1_000);
          expect(await c.request("GET", "/optional")).toMatchObject({ status: 401, body: { message: "try refresh token" } });
        });

        it("answers 400, never 500, to a malformed JSON body", async () => {
          const c = app.client(mode);
          const raw = await fetch(`${c.baseUrl}/login`, {
            method: "POST",
            headers: { "content-type": "application/json", "st-auth-mode": mode },
            body: '{"userId": "broken"',
          });
          await raw.text();
          expect(raw.status).toBe(400);
        });

        it("leaves a path under /auth that tessera does not serve to the framework (404)", async () => {
          const res = await app.client(mode).request("GET", "/auth/not-a-tessera-route");
          expect(res.status).toBe(404);
        });

        it("signs up and signs in through /auth/signup and /auth/signin with a JSON body, and the guarded route accepts the session", async () => {
          const email = newEmail(mode);
          const first = app.client(mode);
          const signUp = await first.request("POST", "/auth/signup", { body: credentials(email, PASSWORD) });
          expect(signUp.status, JSON.stringify(signUp.body)).toBe(200);
          expect(signUp.body).toMatchObject({ status: "OK", user: { emails: [email] } });
          const userId = String((signUp.body?.user as { id: unknown }).id);
          expect(deliveredAccessToken(signUp.headers, mode), "the sign-up response delivers an access token").toBeTruthy();
          expect(await first.request("GET", "/protected")).toMatchObject({ status: 200, body: { userId } });

          const second = app.client(mode);
          const signIn = await second.request("POST", "/auth/signin", { body: credentials(email, PASSWORD) });
          expect(signIn.status, JSON.stringify(signIn.body)).toBe(200);
          expect(signIn.body).toMatchObject({ status: "OK", user: { id: userId } });
          expect(deliveredAccessToken(signIn.headers, mode), "the sign-in response delivers an access token").toBeTruthy();
          expect(await second.request("GET", "/protected")).toMatchObject({ status: 200, body: { userId } });
          // The body was read, not just accepted: a wrong password is refused and gives no session.
          const wrong = app.client(mode);
          expect(await wrong.request("POST", "/auth/signin", { body: credentials(email, `${PASSWORD}!`) })).toMatchObject({ status: 200, body: { status: "WRONG_CREDENTIALS_ERROR" } });
          expect(await wrong.request("GET", "/protected")).toMatchObject({ status: 401, body: { message: "unauthorised" } });
        });

        it("answers 400 with a message, never 500 nor a stack trace, to a malformed JSON body on /auth/signup and /auth/signin", async () => {
          const c = app.client(mode);
          const malformed = ['{"formFields": [', '{formFields: []}', '{"formFields": []} trailing', "\u0000"];
          for (const path of ["/auth/signup", "/auth/signin"]) {
            for (const body of malformed) expectBadInput(await postRaw(c, path, body), `${path} ${JSON.stringify(body)}`);
          }
        });

        it("answers 400 with a message, never 500 nor a stack trace, to a JSON body of the wrong type", async () => {
          const c = app.client(mode);
          const email = newEmail(mode);
          const wrongTyped: unknown[] = [
            [credentials(email, PASSWORD)],
            "formFields",
            42,
            null,
            { formFields: "email" },
            { formFields: [null, null] },
            { formFields: [{ id: "email", value: 7 }, { id: "password", value: PASSWORD }] },
            { formFields: [{ id: "email", value: email }, { id: "password", value: { $ne: "" } }] },
          ];
          for (const path of ["/auth/signup", "/auth/signin"]) {
            for (const body of wrongTyped) expectBadInput(await postRaw(c, path, JSON.stringify(body)), `${path} ${JSON.stringify(body)}`);
          }
          // None of them created the account.
          expect(await c.request("POST", "/auth/signin", { body: credentials(email, PASSWORD) })).toMatchObject({ status: 200, body: { status: "WRONG_CREDENTIALS_ERROR" } });
        });

        // Found by a new-user trial: a form posted from another site (enctype="text/plain", whose
        // text is JSON) signed its visitor in to the attacker's account (login CSRF).
        // The same through a body with no type at all (fetch in no-cors mode with a Blob, sendBeacon).
        it("refuses a sign-in whose body is not typed as JSON (a form's types, or none) with 415, and gives no session", async () => {
          const email = newEmail(mode);
          const c = app.client(mode);
          expect(await c.request("POST", "/auth/signup", { body: credentials(email, PASSWORD) })).toMatchObject({ status: 200, body: { status: "OK" } });
          const json = JSON.stringify(credentials(email, PASSWORD));
          for (const type of ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/octet-stream", undefined]) {
            const headers: Record<string, string> = { "st-auth-mode": mode, ...(type === undefined ? {} : { "content-type": type }) };
            // A Uint8Array body: fetch adds no content-type of its own.
            const res = await fetch(`${c.baseUrl}/auth/signin`, { method: "POST", headers, body: new TextEncoder().encode(json) });
            const text = await res.text();
            const label = type ?? "no content-type";
            expect(res.status, `${label}: ${text.slice(0, 200)}`).toBe(415);
            expectNoInternals({ contentType: res.headers.get("content-type"), text }, label);
            expect(res.headers.get("front-token"), label).toBeNull();
            expect(deliveredAccessToken(res.headers, mode), label).toBeUndefined();
          }
          const signIn = await app.client(mode).request("POST", "/auth/signin", { body: credentials(email, PASSWORD) });
          expect(signIn).toMatchObject({ status: 200, body: { status: "OK" } });
        });

        it("refuses an oversized JSON body with a 4xx (never 500), and goes on serving", async () => {
          const c = app.client(mode);
          const email = newEmail(mode);
          // Past tessera's own limit (64 KiB) and Express's body parser's (100 kB); then past every framework's default (1 MiB).
          for (const size of [256 * 1024, 2 * 1024 * 1024]) {
            const body = JSON.stringify(credentials(email, "x".repeat(size)));
            for (const path of ["/auth/signup", "/auth/signin"]) {
              const res = await postRaw(c, path, body);
              expect(res.status, `${path}, ${size} bytes: ${res.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
              expect(res.status, `${path}, ${size} bytes: ${res.text.slice(0, 300)}`).toBeLessThan(500);
              if (res.text !== "") expectNoInternals(res, `${path}, ${size} bytes`);
            }
          }
          const ok = await c.request("POST", "/auth/signup", { body: credentials(email, PASSWORD) });
          expect(ok).toMatchObject({ status: 200, body: { status: "OK" } });
        });
      });
    });

    describe("with global-validators.ts's getGlobalClaimValidators override", () => {
      const app = withServer(name, start, GLOBAL_VALIDATORS_CONFIG);

      describe.each(MODES)("%s mode", (mode) => {
        it("applies the claim to a route that adds no validators of its own: GET /protected answers 403", async () => {
          const c = app.client(mode);
          await login(c, newUserId(mode));
          const res = await c.request("GET", "/protected");
          expect(res.status).toBe(403);
          expect(res.body).toStrictEqual(INVALID_CLAIM_BODY);
        });

        it("applies it to every guarded route, optional sessions included; no session is still 401", async () => {
          const c = app.client(mode);
          expect(await c.request("GET", "/protected")).toMatchObject({ status: 401, body: { message: "unauthorised" } });
          await login(c, newUserId(mode));
          for (const [method, path] of [["GET", "/optional"], ["POST", "/like-comment"], ["POST", "/complete"]] as const) {
            const res = await c.request(method, path);
            expect(res.status, `${method} ${path}`).toBe(403);
            expect(res.body, `${method} ${path}`).toStrictEqual(INVALID_CLAIM_BODY);
          }
        });
      });
    });
  });
}

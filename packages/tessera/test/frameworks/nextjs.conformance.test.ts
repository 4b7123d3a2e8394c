/**
 * The framework conformance cases on Next.js, against a real Next.js app (test/frameworks/nextjs-app)
 * built once and served by `next start` on loopback. tessera.init runs inside the Next.js server
 * process, so the shared suite (which inits tessera in the test process and advances a fixed clock)
 * cannot drive it; this file runs the same cases (conformance/framework-suite.ts) over HTTP, with
 * real time: an expired access token comes from a server started with a 3 s access-token lifetime,
 * theft detection from one with a 1 s refresh grace period.
 *
 * Both routers, each with its own servers (one tessera per process, one apiBasePath each):
 * - pages router: API routes under /api through `superTokensNextWrapper` and the Express adapter,
 *   with /api/like-comment running the seed's nextjs.ts unchanged;
 * - App Router: route handlers at the root through `getAppDirRequestHandler`, `withSession` and
 *   `withPreParsedRequestResponse`; plus a server component (`getSSRSession`) and middleware on the
 *   Node.js runtime (`withSession`).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../helpers/app.js";
import { ensureBuilt, sharedSamplesDir } from "../contract/seed-project.js";
import { buildFixture, fixtureDir, startNext, type NextServer } from "./nextjs-harness.js";

const MODES = ["cookie", "header"] as const;
type Mode = (typeof MODES)[number];

const INVALID_CLAIM_BODY = {
  message: "invalid claim",
  claimValidationErrors: [{ id: "2fa-completed", reason: { message: "wrong value", expectedValue: true, actualValue: false } }],
};

const ROUTERS = [
  { router: "pages", prefix: "/api", apiBasePath: "/api/auth" },
  { router: "app", prefix: "", apiBasePath: "/auth" },
] as const;
type Router = (typeof ROUTERS)[number]["router"];

const GROUPS = {
  /** Default session config; a 1 s refresh grace period so theft detection needs no long wait. */
  default: { FIXTURE_REFRESH_GRACE_PERIOD: "1" },
  /** Access tokens that expire 3 s after they are made. */
  expiry: { FIXTURE_ACCESS_TOKEN_VALIDITY: "3" },
  /** global-validators.ts's getGlobalClaimValidators override. */
  global: { FIXTURE_GLOBAL_VALIDATORS: "1" },
} as const;
type Group = keyof typeof GROUPS;

/** Calls paths relative to the router's prefix, so cookie paths and tessera's refresh path line up. */
class NextClient extends Client {
  constructor(
    baseUrl: string,
    mode: Mode,
    readonly prefix: string,
  ) {
    super(baseUrl, mode);
  }
  override request(method: string, path: string, init: Parameters<Client["request"]>[2] = {}) {
    return super.request(method, this.prefix + path, init);
  }
}

const servers = new Map<string, NextServer>();
let dataDir = "";
let buildMs = 0;

beforeAll(async () => {
  ensureBuilt();
  buildMs = buildFixture();
  dataDir = mkdtempSync(join(tmpdir(), "tessera-nextjs-"));
  const starts = ROUTERS.flatMap(({ router, apiBasePath }) =>
    (Object.keys(GROUPS) as Group[]).map(async (group) => {
      const server = await startNext({
        FIXTURE_DATABASE: `sqlite:${join(dataDir, `${router}-${group}.db`)}`,
        FIXTURE_API_BASE_PATH: apiBasePath,
        ...GROUPS[group],
      });
      servers.set(`${router}/${group}`, server);
    }),
  );
  const results = await Promise.allSettled(starts);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  console.info(buildMs > 0 ? `next build of the fixture took ${(buildMs / 1000).toFixed(1)} s` : "next build skipped: the fixture's output is newer than its sources");
}, 240_000); // a fresh `next build` takes 60-100 s on a loaded 2-core machine; a cached one is skipped

afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.close()));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function server(router: Router, group: Group): NextServer {
  const found = servers.get(`${router}/${group}`);
  if (!found) throw new Error(`the ${router}/${group} Next.js server is not running (see the beforeAll error)`);
  return found;
}

const client = (router: Router, group: Group, mode: Mode) => new NextClient(server(router, group).url, mode, ROUTERS.find((r) => r.router === router)!.prefix);

function fork(c: NextClient): NextClient {
  const copy = new NextClient(c.baseUrl, c.mode, c.prefix);
  for (const [key, value] of c.cookies) copy.cookies.set(key, { ...value });
  copy.accessToken = c.accessToken;
  copy.refreshToken = c.refreshToken;
  copy.antiCsrf = c.antiCsrf;
  copy.frontToken = c.frontToken;
  return copy;
}

let userCounter = 0;
const newUserId = (mode: Mode) => `next-${mode}-${++userCounter}`;

async function login(c: Client, userId: string): Promise<string> {
  const res = await c.request("POST", "/login", { body: { userId } });
  if (res.status !== 200) throw new Error(`POST /login answered ${res.status} ${JSON.stringify(res.body)}`);
  return String(res.body?.handle);
}

function decodeJwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;
}

function deliveredAccessToken(headers: Headers, mode: Mode): string | undefined {
  if (mode === "header") return headers.get("st-access-token") ?? undefined;
  const line = headers.getSetCookie().find((c) => c.startsWith("sAccessToken="));
  const value = line?.slice("sAccessToken=".length).split(";")[0];
  return value ? decodeURIComponent(value) : undefined;
}

/** Waits (real time) until the client's access token has expired. */
async function waitForExpiry(c: Client): Promise<void> {
  const exp = Number(c.frontPayload()?.exp);
  expect(exp, "the front-token carries the access token's exp").toBeGreaterThan(0);
  const wait = exp * 1000 + 250 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/** What the /ssr server component rendered (getSSRSession's result as JSON). */
async function ssr(c: Client, query = ""): Promise<Record<string, unknown>> {
  const res = await c.request("GET", `/ssr${query}`);
  expect(res.status).toBe(200);
  const html = String(res.body);
  const match = /<pre id="ssr-session">(.*?)<\/pre>/s.exec(html);
  if (!match?.[1]) throw new Error(`no ssr-session in the page:\n${html.slice(0, 500)}`);
  const text = match[1].replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  return JSON.parse(text) as Record<string, unknown>;
}

describe("the fixture's seed copy", () => {
  it("is byte-identical to the shared seed's nextjs.ts and second-factor-claim.ts", () => {
    for (const file of ["nextjs.ts", "second-factor-claim.ts"]) {
      const shared = join(sharedSamplesDir, file);
      let expected: Buffer;
      try {
        expected = readFileSync(shared);
      } catch {
        continue; // no shared folder next to this checkout: the committed copy is the reference
      }
      expect(readFileSync(join(fixtureDir, "seed", file)).equals(expected), `${file} differs from ${shared}`).toBe(true);
    }
  });
});

describe.each(ROUTERS)("Next.js $router router", ({ router }) => {
  describe("with the default session config", () => {
    describe.each(MODES)("%s mode", (mode) => {
      const c = () => client(router, "default", mode);

      it("answers 401 unauthorised as JSON when there is no session", async () => {
        for (const [method, path] of [["GET", "/protected"], ["POST", "/like-comment"], ["POST", "/complete"]] as const) {
          const res = await c().request(method, path);
          expect(res.status, `${method} ${path}`).toBe(401);
          expect(res.body, `${method} ${path}`).toStrictEqual({ message: "unauthorised" });
          expect(res.headers.get("content-type"), `${method} ${path}`).toMatch(/^application\/json/);
        }
      });

      it("logs in through the app's own route and delivers the tokens, each Set-Cookie on its own line", async () => {
        const res = await c().request("POST", "/login", { body: { userId: newUserId(mode) } });
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
      });

      it("lets a request with a session through to the handler, with the session set", async () => {
        const user = c();
        const userId = newUserId(mode);
        await login(user, userId);
        expect(await user.request("GET", "/protected")).toMatchObject({ status: 200, body: { userId } });
      });

      it("answers 403 with the exact invalid-claim body while the claim is false", async () => {
        const user = c();
        await login(user, newUserId(mode));
        const res = await user.request("POST", "/like-comment");
        expect(res.status).toBe(403);
        expect(res.body).toStrictEqual(INVALID_CLAIM_BODY);
      });

      it("runs the guarded handler once the claim is set, and the setting response carries the claim", async () => {
        const user = c();
        const userId = newUserId(mode);
        await login(user, userId);
        expect((await user.request("POST", "/like-comment")).status).toBe(403);
        const complete = await user.request("POST", "/complete");
        expect(complete.status).toBe(200);
        expect(complete.body).toStrictEqual({});
        const token = deliveredAccessToken(complete.headers, mode);
        expect(token, "the /complete response delivers a new access token").toBeTruthy();
        expect(decodeJwtPayload(token!)["2fa-completed"]).toMatchObject({ v: true });
        expect(user.frontPayload()?.["2fa-completed"]).toMatchObject({ v: true });
        expect(await user.request("POST", "/like-comment")).toMatchObject({ status: 200, body: { userId } });
      });

      it("refreshes through the auth API: new tokens that work, each Set-Cookie on its own line", async () => {
        const user = c();
        const userId = newUserId(mode);
        await login(user, userId);
        const before = mode === "cookie" ? user.cookie("sRefreshToken") : user.refreshToken;
        const res = await user.refresh();
        expect(res.status).toBe(200);
        const after = mode === "cookie" ? user.cookie("sRefreshToken") : user.refreshToken;
        expect(after).toBeTruthy();
        expect(after).not.toBe(before);
        if (mode === "cookie") {
          const names = res.headers.getSetCookie().map((line) => line.slice(0, line.indexOf("=")));
          expect(names).toContain("sAccessToken");
          expect(names).toContain("sRefreshToken");
        }
        expect(await user.request("GET", "/protected")).toMatchObject({ status: 200, body: { userId } });
      });

      it("signs out through the auth API: tokens cleared, the session gone", async () => {
        const user = c();
        await login(user, newUserId(mode));
        const stolen = fork(user);
        const res = await user.request("POST", "/auth/signout");
        expect(res.status).toBe(200);
        expect(res.body).toStrictEqual({ status: "OK" });
        expect(res.headers.get("front-token")).toBe("remove");
        if (mode === "cookie") expect(user.cookie("sAccessToken")).toBeUndefined();
        else expect(user.accessToken).toBeUndefined();
        expect(await user.request("GET", "/protected")).toMatchObject({ status: 401, body: { message: "unauthorised" } });
        expect(await stolen.refresh()).toMatchObject({ status: 401, body: { message: "unauthorised" } });
      });

      it("detects theft: the old refresh token after its child was used and the grace window passed", async () => {
        const victim = c();
        await login(victim, newUserId(mode));
        const thief = fork(victim);
        expect((await victim.refresh()).status).toBe(200);
        expect((await victim.request("GET", "/protected")).status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 1_300)); // the server's grace period is 1 s
        const res = await thief.refresh();
        expect(res.status).toBe(401);
        expect(res.body).toStrictEqual({ message: "token theft detected" });
        expect(res.headers.get("front-token")).toBe("remove");
        expect(await victim.refresh()).toMatchObject({ status: 401, body: { message: "unauthorised" } });
      });

      it("with sessionRequired: false, runs the handler without a session and with one", async () => {
        const user = c();
        expect(await user.request("GET", "/optional")).toMatchObject({ status: 200, body: { userId: null } });
        const userId = newUserId(mode);
        await login(user, userId);
        expect(await user.request("GET", "/optional")).toMatchObject({ status: 200, body: { userId } });
      });

      it("answers 400, never 500, to a malformed JSON body", async () => {
        const user = c();
        const raw = await fetch(`${user.baseUrl}${user.prefix}/login`, {
          method: "POST",
          headers: { "content-type": "application/json", "st-auth-mode": mode },
          body: '{"userId": "broken"',
        });
        await raw.text();
        expect(raw.status).toBe(400);
      });

      it("leaves a path under the auth API that tessera does not serve to the app (404)", async () => {
        expect((await c().request("GET", "/auth/not-a-tessera-route")).status).toBe(404);
      });

      if (router === "pages") {
        it("superTokensNextWrapper answers a session error thrown by, or passed to next from, the middleware", async () => {
          const user = c();
          for (const via of ["throw", "next"]) {
            expect(await user.request("GET", `/get-session?via=${via}`), via).toMatchObject({ status: 401, body: { message: "unauthorised" } });
          }
          const userId = newUserId(mode);
          await login(user, userId);
          for (const via of ["throw", "next"]) {
            expect(await user.request("GET", `/get-session?via=${via}`), via).toMatchObject({ status: 200, body: { userId } });
          }
        });

        it("superTokensNextWrapper passes an error that is not tessera's on to Next.js (500, no details)", async () => {
          const res = await c().request("POST", "/thrown");
          expect(res.status).toBe(500);
          expect(JSON.stringify(res.body ?? "")).not.toContain("the app's own failure");
        });
      }

      if (router === "app") {
        it("middleware (Node.js runtime) answers with withSession: 401 without a session, the session with one", async () => {
          const user = c();
          expect(await user.request("GET", "/mw/protected")).toMatchObject({ status: 401, body: { message: "unauthorised" } });
          const userId = newUserId(mode);
          await login(user, userId);
          expect(await user.request("GET", "/mw/protected")).toMatchObject({ status: 200, body: { userId, from: "middleware" } });
        });

        if (mode === "cookie") {
          it("getSSRSession in a server component: no session, a session, and a failing claim with its 403 answer", async () => {
            const user = c();
            expect(await ssr(user)).toStrictEqual({
              userId: null,
              payloadSub: null,
              hasToken: false,
              hasInvalidClaims: false,
              error: "UNAUTHORISED",
              errorStatus: 401,
              errorBody: { message: "unauthorised" },
            });
            const userId = newUserId(mode);
            await login(user, userId);
            expect(await ssr(user)).toMatchObject({ userId, payloadSub: userId, hasToken: true, hasInvalidClaims: false, error: null, errorStatus: null });
            expect(await ssr(user, "?claim=1")).toMatchObject({ userId: null, hasToken: true, hasInvalidClaims: true, error: "INVALID_CLAIMS", errorStatus: 403, errorBody: INVALID_CLAIM_BODY });
            expect((await user.request("POST", "/complete")).status).toBe(200);
            expect(await ssr(user, "?claim=1")).toMatchObject({ userId, hasInvalidClaims: false, error: null });
          });
        }
      }
    });
  });

  describe.concurrent("with access tokens that expire after 3 s (real time)", () => {
    describe.each(MODES)("%s mode", (mode) => {
      const c = () => client(router, "expiry", mode);

      it("answers 401 try refresh token for an expired access token, and the refreshed session works", async () => {
        const user = c();
        const userId = newUserId(mode);
        await login(user, userId);
        await waitForExpiry(user);
        const expired = await user.request("GET", "/protected");
        expect(expired.status).toBe(401);
        expect(expired.body).toStrictEqual({ message: "try refresh token" });
        expect((await user.refresh()).status).toBe(200);
        expect(await user.request("GET", "/protected")).toMatchObject({ status: 200, body: { userId } });
      });

      it("with sessionRequired: false, an expired token is not 'no session': 401 try refresh token", async () => {
        const user = c();
        await login(user, newUserId(mode));
        await waitForExpiry(user);
        expect(await user.request("GET", "/optional")).toMatchObject({ status: 401, body: { message: "try refresh token" } });
      });

      if (router === "app") {
        it("middleware answers 401 try refresh token for an expired access token", async () => {
          const user = c();
          await login(user, newUserId(mode));
          await waitForExpiry(user);
          expect(await user.request("GET", "/mw/protected")).toMatchObject({ status: 401, body: { message: "try refresh token" } });
        });

        if (mode === "cookie") {
          it("getSSRSession reports an expired token as hasToken with a try-refresh error, not as signed out", async () => {
            const user = c();
            await login(user, newUserId(mode));
            await waitForExpiry(user);
            expect(await ssr(user)).toMatchObject({ userId: null, hasToken: true, error: "TRY_REFRESH_TOKEN", errorStatus: 401, errorBody: { message: "try refresh token" } });
          });
        }
      }
    });
  });

  describe("with global-validators.ts's getGlobalClaimValidators override", () => {
    describe.each(MODES)("%s mode", (mode) => {
      const c = () => client(router, "global", mode);

      it("applies the claim to a route that adds no validators of its own: GET /protected answers 403", async () => {
        const user = c();
        await login(user, newUserId(mode));
        const res = await user.request("GET", "/protected");
        expect(res.status).toBe(403);
        expect(res.body).toStrictEqual(INVALID_CLAIM_BODY);
      });

      it("applies it to every guarded route, optional sessions included; no session is still 401", async () => {
        const user = c();
        expect(await user.request("GET", "/protected")).toMatchObject({ status: 401, body: { message: "unauthorised" } });
        await login(user, newUserId(mode));
        for (const [method, path] of [["GET", "/optional"], ["POST", "/like-comment"], ["POST", "/complete"]] as const) {
          const res = await user.request(method, path);
          expect(res.status, `${method} ${path}`).toBe(403);
          expect(res.body, `${method} ${path}`).toStrictEqual(INVALID_CLAIM_BODY);
        }
      });
    });
  });
});

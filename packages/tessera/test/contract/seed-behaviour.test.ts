/**
 * Contract: the seed's samples behave as the seed says, over real HTTP on 127.0.0.1.
 *
 * The three samples are compiled unchanged by tsc to CommonJS and loaded with Node's require
 * against the built package; seed-harness.ts explains how it captures the recipe and the app and
 * what it adds around them (sign-in, the claim update, a second guarded route, error handler).
 *
 * The seed's last line: when the claim's validator fails, the response is 403.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSeedServer, type SeedServer } from "./seed-harness.js";
import { assertCompiles, createSeedProject, ensureBuilt, runTsc, type SeedProject } from "./seed-project.js";

const REFUSED = {
  message: "invalid claim",
  claimValidationErrors: [{ id: "2fa-completed", reason: { message: "wrong value", expectedValue: true, actualValue: false } }],
};

/** A client as a browser (cookie mode) or a mobile app (header mode) would behave. */
class Client {
  private cookies = new Map<string, { value: string; path: string }>();
  private accessToken: string | undefined;
  private refreshToken: string | undefined;
  private antiCsrf: string | undefined;

  constructor(
    private readonly baseUrl: string,
    readonly mode: "cookie" | "header",
  ) {}

  async post(path: string, extraHeaders: Record<string, string> = {}, useRefreshToken = false) {
    const headers: Record<string, string> = { "st-auth-mode": this.mode, ...extraHeaders };
    const cookies = [...this.cookies].filter(([, c]) => path.startsWith(c.path)).map(([name, c]) => `${name}=${encodeURIComponent(c.value)}`);
    if (cookies.length > 0) headers.cookie = cookies.join("; ");
    const bearer = useRefreshToken ? this.refreshToken : this.accessToken;
    if (this.mode === "header" && bearer) headers.authorization = `Bearer ${bearer}`;
    if (this.antiCsrf) headers["anti-csrf"] = this.antiCsrf;
    const response = await fetch(this.baseUrl + path, { method: "POST", headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";").map((s) => s.trim());
      const name = pair.slice(0, pair.indexOf("="));
      const value = decodeURIComponent(pair.slice(pair.indexOf("=") + 1));
      const cookiePath = attributes.find((a) => a.toLowerCase().startsWith("path="))?.slice(5) ?? "/";
      const expires = attributes.find((a) => a.toLowerCase().startsWith("expires="))?.slice(8);
      if (value === "" || (expires !== undefined && new Date(expires).getTime() <= Date.now())) this.cookies.delete(name);
      else this.cookies.set(name, { value, path: cookiePath });
    }
    const access = response.headers.get("st-access-token");
    if (access !== null) this.accessToken = access || undefined;
    const refresh = response.headers.get("st-refresh-token");
    if (refresh !== null) this.refreshToken = refresh || undefined;
    const anti = response.headers.get("anti-csrf");
    if (anti !== null) this.antiCsrf = anti;
    const text = await response.text();
    return {
      status: response.status,
      body: (text === "" ? undefined : JSON.parse(text)) as Record<string, unknown> | undefined,
      frontToken: response.headers.get("front-token"),
    };
  }

  refresh() {
    return this.post("/auth/session/refresh", { rid: "session" }, true);
  }
}

/** A 403 for the claim; tolerates the claim being listed more than once (pinned separately). */
function expectRefusedByTheClaim(body: Record<string, unknown> | undefined): void {
  expect(body?.message).toBe(REFUSED.message);
  const errors = body?.claimValidationErrors as unknown[];
  expect(errors.length).toBeGreaterThan(0);
  for (const error of errors) expect(error).toEqual(REFUSED.claimValidationErrors[0]);
}

/** The front-token header: base64 of JSON `{ uid, ate, up }`, `up` being the access-token payload. */
function decodeFrontToken(frontToken: string | null): { uid: string; ate: number; up: Record<string, unknown> } {
  if (!frontToken || frontToken === "remove") throw new Error(`no front-token in the response (got ${frontToken})`);
  return JSON.parse(Buffer.from(frontToken, "base64").toString("utf8")) as { uid: string; ate: number; up: Record<string, unknown> };
}

let project: SeedProject;
let server: SeedServer;

beforeAll(async () => {
  ensureBuilt();
  project = createSeedProject();
  // CommonJS output. The project's package.json has no "type", so module Node16 emits the same
  // require() calls as module commonjs, but resolves `tessera/...` through the exports map
  // ("require" condition → dist/cjs). moduleResolution node10 ignores exports maps and is checked
  // on its own in seed-compile.test.ts; this file is about behaviour.
  const result = runTsc(project, { module: "Node16", moduleResolution: "Node16", esModuleInterop: true, outDir: "out", rootDir: "src" });
  assertCompiles("CommonJS emit for the behaviour server", result);
  server = await startSeedServer(join(project.dir, "out"));
}, 300_000);

afterAll(async () => {
  await server?.close();
  project?.remove();
});

describe("the seed's samples, served", () => {
  it("the harness captured one recipe factory and the sample's own route", () => {
    expect(server.recordedFactories).toHaveLength(1);
    expect(server.sampleRoutes).toEqual(["/like-comment"]);
  });

  it.each(["cookie", "header"] as const)("/like-comment without a session: 401 unauthorised (%s mode)", async (mode) => {
    const c = new Client(server.url, mode);
    const res = await c.post("/like-comment");
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ message: "unauthorised" });
    expect((await c.post("/other")).status).toBe(401);
  });

  // The seed's express.ts adds SecondFactorClaim.validators.hasValue(true) on top of the global
  // list, which global-validators.ts already extended with the same validator: the route runs it
  // twice. The contract is one 403 body, with the failing claim listed once.
  it.each(["cookie", "header"] as const)("signed in, the claim false: /like-comment answers 403 with exactly the one claim error (%s mode)", async (mode) => {
    const c = new Client(server.url, mode);
    expect((await c.post("/login")).status).toBe(200);
    const refused = await c.post("/like-comment");
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual(REFUSED);
  });

  it.each(["cookie", "header"] as const)("signed in, the claim false: 403 on /like-comment and on a plain verifySession() route; setClaimValue in a handler: both pass (%s mode)", async (mode) => {
    const c = new Client(server.url, mode);
    const login = await c.post("/login");
    expect(login.status).toBe(200);

    const refused = await c.post("/like-comment");
    expect(refused.status).toBe(403);
    expectRefusedByTheClaim(refused.body); // the exact body is pinned by its own test above
    // global-validators.ts applies to every route, not just the one with the override.
    const other = await c.post("/other");
    expect(other.status).toBe(403);
    expect(other.body).toEqual(REFUSED);

    const reachedBefore = server.reached.length;
    const complete = await c.post("/complete");
    expect(complete.status).toBe(200);
    // The token returned by that same response already carries the new value.
    const front = decodeFrontToken(complete.frontToken);
    expect(front.uid).toBe(login.body!.userId);
    expect((front.up["2fa-completed"] as { v: unknown }).v).toBe(true);

    const liked = await c.post("/like-comment");
    expect(liked.status).toBe(200);
    expect(liked.body).toEqual({ reached: "/like-comment", userId: login.body!.userId });
    expect(server.reached.slice(reachedBefore)).toEqual(["/like-comment"]);
    expect((await c.post("/other")).status).toBe(200);
  });

  it.each(["cookie", "header"] as const)("offline: Session.setClaimValue(sessionHandle, ...) is seen after a refresh, not before (%s mode)", async (mode) => {
    const c = new Client(server.url, mode);
    const login = await c.post("/login");
    expect(login.status).toBe(200);
    const sessionHandle = login.body!.sessionHandle as string;
    // The first refusal puts the fetched false into the client's token (the seed's state after the first factor).
    expect((await c.post("/like-comment")).status).toBe(403);

    expect(await server.Session.setClaimValue(sessionHandle, server.SecondFactorClaim, true)).toBe(true);

    // The access token the client holds still says false.
    const stale = await c.post("/like-comment");
    expect(stale.status).toBe(403);
    expectRefusedByTheClaim(stale.body);
    const staleOther = await c.post("/other");
    expect(staleOther.status).toBe(403);
    expect(staleOther.body).toEqual(REFUSED);

    const refreshed = await c.refresh();
    expect(refreshed.status).toBe(200);
    expect((decodeFrontToken(refreshed.frontToken).up["2fa-completed"] as { v: unknown }).v).toBe(true);

    const liked = await c.post("/like-comment");
    expect(liked.status).toBe(200);
    expect(liked.body).toEqual({ reached: "/like-comment", userId: login.body!.userId });
    expect((await c.post("/other")).status).toBe(200);
  });

  // A token that lacks the claim makes verifySession refetch it (fetchValue: false). That value goes
  // into this token only: the value set by handle stays in storage (no lost update) and reaches the
  // client at its next refresh, as the seed says.
  it.each(["cookie", "header"] as const)("offline: a token without the claim is refused, and the refetch does not overwrite the value set by handle (%s mode)", async (mode) => {
    const c = new Client(server.url, mode);
    const login = await c.post("/login");
    const sessionHandle = login.body!.sessionHandle as string;
    expect(await server.Session.setClaimValue(sessionHandle, server.SecondFactorClaim, true)).toBe(true);
    expect((await c.post("/like-comment")).status).toBe(403);
    expect(await server.Session.getClaimValue(sessionHandle, server.SecondFactorClaim)).toEqual({ status: "OK", value: true });
    expect((await c.refresh()).status).toBe(200);
    expect((await c.post("/like-comment")).status).toBe(200);
  });

  // The by-handle update and the refresh on their own, with no request in between.
  it.each(["cookie", "header"] as const)("offline, no request in between: set by handle, refresh, passes (%s mode)", async (mode) => {
    const c = new Client(server.url, mode);
    const login = await c.post("/login");
    expect(await server.Session.setClaimValue(login.body!.sessionHandle as string, server.SecondFactorClaim, true)).toBe(true);
    const refreshed = await c.refresh();
    expect(refreshed.status).toBe(200);
    expect((decodeFrontToken(refreshed.frontToken).up["2fa-completed"] as { v: unknown }).v).toBe(true);
    expect((await c.post("/like-comment")).status).toBe(200);
    expect((await c.post("/other")).status).toBe(200);
  });
});

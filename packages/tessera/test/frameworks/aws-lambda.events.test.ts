/**
 * The AWS Lambda adapter with real event objects and no server: the conformance app's handler
 * (aws-lambda.app.ts) invoked directly with API Gateway REST (payload v1), HTTP API (payload v2)
 * and Function URL events shaped like the AWS documentation's examples, for every case of the
 * framework conformance suite, in cookie and header mode. Then what is Lambda's own: v1 header
 * names in any case and repeated Cookie lines, base64 bodies, HTTP API stages in rawPath, v2
 * results that are not structured, and how collected cookies and headers merge into a result.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyResult, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import tessera from "../../src/index.js";
import { fixedClock } from "../../src/core/clock.js";
import { middleware, type LambdaEvent, type SessionEventV2 } from "../../src/framework/awsLambda/index.js";
import { verifySession } from "../../src/recipe/session/framework/awsLambda.js";
import Session from "../../src/recipe/session/index.js";
import type { SessionConfig } from "../../src/recipe/session/types.js";
import { SecondFactorClaim } from "../conformance/framework-claim.js";
import { T0_MS } from "../helpers/app.js";
import { buildLambdaApp, lambdaContext, readResult, restEvent, toEvent, v2Event, type EventKind, type RawRequest } from "./aws-lambda.app.js";

const KINDS = ["v1", "v2", "url"] as const satisfies readonly EventKind[];
const MODES = ["cookie", "header"] as const;
type Mode = (typeof MODES)[number];
const HOUR_MS = 3600 * 1000;
const INVALID_CLAIM_BODY = {
  message: "invalid claim",
  claimValidationErrors: [{ id: "2fa-completed", reason: { message: "wrong value", expectedValue: true, actualValue: false } }],
};
const GLOBAL_VALIDATORS_CONFIG: SessionConfig = {
  override: {
    functions: (oI) => ({
      ...oI,
      getGlobalClaimValidators: (input) => [...input.claimValidatorsAddedByOtherRecipes, SecondFactorClaim.validators.hasValue(true)],
    }),
  },
};

type Handler = (event: LambdaEvent, context: typeof lambdaContext, callback: () => void) => Promise<unknown>;

/** A browser (cookie mode) or app (header mode) talking to a Lambda through events of one kind. */
class EventClient {
  cookies = new Map<string, string>();
  accessToken: string | undefined;
  refreshToken: string | undefined;
  frontToken: string | undefined;

  constructor(
    readonly kind: EventKind,
    readonly mode: Mode,
    readonly handler: Handler,
  ) {}

  /** Sends one event; header names in Title-Case, as REST API (v1) events keep them as the client sent them. */
  async call(method: string, path: string, init: { body?: string; headers?: Array<[string, string]>; useRefreshToken?: boolean } = {}) {
    const headers: Array<[string, string]> = [["St-Auth-Mode", this.mode], ["Rid", "anti-csrf"], ...(init.headers ?? [])];
    if (init.body !== undefined) headers.push(["Content-Type", "application/json"]);
    if (this.cookies.size > 0) headers.push(["Cookie", [...this.cookies].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join("; ")]);
    const bearer = init.useRefreshToken ? this.refreshToken : this.accessToken;
    if (this.mode === "header" && bearer) headers.push(["Authorization", `Bearer ${bearer}`]);
    const raw: RawRequest = { method, url: path, headers, ...(init.body !== undefined ? { body: Buffer.from(init.body) } : {}) };
    const result = await this.handler(toEvent(this.kind, raw), lambdaContext, () => undefined);
    const out = readResult(this.kind, result);
    for (const line of out.setCookies) {
      const [pair = "", ...attributes] = line.split(";").map((s) => s.trim());
      const name = pair.slice(0, pair.indexOf("="));
      const value = decodeURIComponent(pair.slice(pair.indexOf("=") + 1));
      const expires = attributes.find((a) => a.toLowerCase().startsWith("expires="))?.slice(8);
      if (value === "" || (expires && new Date(expires).getTime() <= 0)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const take = (name: string) => out.headers[name];
    if (take("st-access-token") !== undefined) this.accessToken = take("st-access-token") || undefined;
    if (take("st-refresh-token") !== undefined) this.refreshToken = take("st-refresh-token") || undefined;
    if (take("front-token") !== undefined) this.frontToken = take("front-token") === "remove" ? undefined : take("front-token");
    return { result, status: out.status, headers: out.headers, setCookies: out.setCookies, body: out.body === "" ? undefined : (JSON.parse(out.body) as Record<string, unknown>) };
  }

  refresh() {
    return this.call("POST", "/auth/session/refresh", { headers: [["Rid", "session"]], useRefreshToken: true });
  }

  async login(userId: string) {
    const res = await this.call("POST", "/login", { body: JSON.stringify({ userId }) });
    if (res.status !== 200) throw new Error(`login answered ${res.status}`);
    return res;
  }

  fork(): EventClient {
    const copy = new EventClient(this.kind, this.mode, this.handler);
    copy.cookies = new Map(this.cookies);
    copy.accessToken = this.accessToken;
    copy.refreshToken = this.refreshToken;
    return copy;
  }
}

function withLambda(session?: SessionConfig) {
  const state: { handler?: Handler; clock?: ReturnType<typeof fixedClock> } = {};
  beforeAll(() => {
    state.clock = fixedClock(T0_MS);
    tessera.init({
      framework: "awsLambda",
      appInfo: { appName: "Lambda", apiDomain: "http://127.0.0.1", websiteDomain: "http://127.0.0.1", apiBasePath: "/auth" },
      database: "sqlite::memory:",
      recipeList: [Session.init(session)],
      clock: state.clock,
    });
    state.handler = buildLambdaApp(SecondFactorClaim) as Handler;
  });
  afterAll(() => tessera.reset());
  return {
    client: (kind: EventKind, mode: Mode) => new EventClient(kind, mode, state.handler!),
    advance: (ms: number) => state.clock!.advance(ms),
  };
}

let counter = 0;
const newUser = () => `lambda-user-${++counter}`;

describe("AWS Lambda events, invoked directly: the conformance cases", () => {
  const lambda = withLambda();

  describe.each(KINDS)("%s events", (kind) => {
    describe.each(MODES)("%s mode", (mode) => {
      it("answers 401 unauthorised as JSON without a session", async () => {
        const c = lambda.client(kind, mode);
        for (const [method, path] of [["GET", "/protected"], ["POST", "/like-comment"], ["POST", "/complete"]] as const) {
          const res = await c.call(method, path);
          expect(res.status, path).toBe(401);
          expect(res.body, path).toStrictEqual({ message: "unauthorised" });
          expect(res.headers["content-type"], path).toMatch(/^application\/json/);
        }
      });

      it("creates a session in the app's handler with Session.createNewSession(event, event) and merges the tokens into its result", async () => {
        const c = lambda.client(kind, mode);
        const res = await c.login(newUser());
        expect(typeof res.body?.handle).toBe("string");
        expect(res.headers["front-token"]).toBeTruthy();
        const result = res.result as APIGatewayProxyResult & APIGatewayProxyStructuredResultV2;
        const names = res.setCookies.map((line) => line.slice(0, line.indexOf("=")));
        if (mode === "cookie") {
          expect(names.sort()).toStrictEqual(["sAccessToken", "sRefreshToken"]);
          // v1: one Set-Cookie line per cookie in multiValueHeaders; v2: the result's cookies[].
          if (kind === "v1") expect(result.multiValueHeaders?.["Set-Cookie"]).toHaveLength(2);
          else expect(result.cookies).toHaveLength(2);
          expect(Object.keys(result.headers ?? {}).map((h) => h.toLowerCase())).not.toContain("set-cookie");
        } else {
          expect(names).toStrictEqual([]);
          expect(res.headers["st-access-token"]).toBeTruthy();
          expect(res.headers["st-refresh-token"]).toBeTruthy();
          expect(res.headers["access-control-expose-headers"]).toMatch(/st-access-token/);
        }
        // The handler's own header survives the merge.
        expect(res.headers["content-type"]).toBe("application/json");
      });

      it("runs the handler with event.session set", async () => {
        const c = lambda.client(kind, mode);
        const userId = newUser();
        await c.login(userId);
        expect(await c.call("GET", "/protected")).toMatchObject({ status: 200, body: { userId } });
      });

      it("answers 401 try refresh token for an expired access token; /auth/session/refresh through middleware() renews it", async () => {
        const c = lambda.client(kind, mode);
        const userId = newUser();
        await c.login(userId);
        lambda.advance(HOUR_MS + 1_000);
        expect(await c.call("GET", "/protected")).toMatchObject({ status: 401, body: { message: "try refresh token" } });
        const before = mode === "cookie" ? c.cookies.get("sRefreshToken") : c.refreshToken;
        const refreshed = await c.refresh();
        expect(refreshed.status).toBe(200);
        expect(mode === "cookie" ? c.cookies.get("sRefreshToken") : c.refreshToken).not.toBe(before);
        expect(await c.call("GET", "/protected")).toMatchObject({ status: 200, body: { userId } });
      });

      it("answers 403 with the exact invalid-claim body, then runs the handler once the claim is set", async () => {
        const c = lambda.client(kind, mode);
        const userId = newUser();
        await c.login(userId);
        const refused = await c.call("POST", "/like-comment");
        expect(refused.status).toBe(403);
        expect(refused.body).toStrictEqual(INVALID_CLAIM_BODY);
        const complete = await c.call("POST", "/complete");
        expect(complete).toMatchObject({ status: 200, body: {} });
        // The new access token carrying the claim is merged into the handler's result.
        if (mode === "cookie") expect(complete.setCookies.some((line) => line.startsWith("sAccessToken="))).toBe(true);
        else expect(complete.headers["st-access-token"]).toBeTruthy();
        expect(JSON.parse(Buffer.from(c.frontToken!, "base64").toString("utf8")).up["2fa-completed"]).toMatchObject({ v: true });
        expect(await c.call("POST", "/like-comment")).toMatchObject({ status: 200, body: { userId } });
      });

      it("signs out through /auth/signout: tokens cleared, the session gone", async () => {
        const c = lambda.client(kind, mode);
        await c.login(newUser());
        const stolen = c.fork();
        const res = await c.call("POST", "/auth/signout");
        expect(res).toMatchObject({ status: 200, body: { status: "OK" } });
        expect(res.headers["front-token"]).toBe("remove");
        if (mode === "cookie") expect(c.cookies.has("sAccessToken")).toBe(false);
        else expect(c.accessToken).toBeUndefined();
        expect(await c.call("GET", "/protected")).toMatchObject({ status: 401, body: { message: "unauthorised" } });
        expect(await stolen.refresh()).toMatchObject({ status: 401, body: { message: "unauthorised" } });
      });

      it("detects theft of a rotated refresh token and revokes the session", async () => {
        const victim = lambda.client(kind, mode);
        await victim.login(newUser());
        const thief = victim.fork();
        expect((await victim.refresh()).status).toBe(200);
        expect((await victim.call("GET", "/protected")).status).toBe(200);
        lambda.advance(11_000);
        const res = await thief.refresh();
        expect(res).toMatchObject({ status: 401, body: { message: "token theft detected" } });
        expect(res.headers["front-token"]).toBe("remove");
        expect(await victim.refresh()).toMatchObject({ status: 401, body: { message: "unauthorised" } });
      });

      it("with sessionRequired: false runs the handler without and with a session; an expired one is still 401", async () => {
        const c = lambda.client(kind, mode);
        expect(await c.call("GET", "/optional")).toMatchObject({ status: 200, body: { userId: null } });
        const userId = newUser();
        await c.login(userId);
        expect(await c.call("GET", "/optional")).toMatchObject({ status: 200, body: { userId } });
        lambda.advance(HOUR_MS + 1_000);
        expect(await c.call("GET", "/optional")).toMatchObject({ status: 401, body: { message: "try refresh token" } });
      });

      it("answers 400 to a malformed JSON body, and a path under /auth that tessera does not serve goes to the handler (404)", async () => {
        const c = lambda.client(kind, mode);
        expect((await c.call("POST", "/login", { body: '{"userId": "broken"' })).status).toBe(400);
        expect(await c.call("GET", "/auth/not-a-tessera-route")).toMatchObject({ status: 404, body: { message: "not found" } });
      });
    });
  });
});

describe("AWS Lambda events, invoked directly: global-validators.ts's override", () => {
  const lambda = withLambda(GLOBAL_VALIDATORS_CONFIG);

  describe.each(KINDS)("%s events", (kind) => {
    it.each(MODES)("applies the claim to every guarded route (%s mode); no session is still 401", async (mode) => {
      const c = lambda.client(kind, mode);
      expect(await c.call("GET", "/protected")).toMatchObject({ status: 401, body: { message: "unauthorised" } });
      await c.login(newUser());
      for (const [method, path] of [["GET", "/protected"], ["GET", "/optional"], ["POST", "/like-comment"], ["POST", "/complete"]] as const) {
        const res = await c.call(method, path);
        expect(res.status, path).toBe(403);
        expect(res.body, path).toStrictEqual(INVALID_CLAIM_BODY);
      }
    });
  });
});

describe("AWS Lambda: what the events and results of each payload format need", () => {
  const lambda = withLambda();
  const signedInHeaders = async (kind: EventKind) => {
    const c = lambda.client(kind, "cookie");
    await c.login(newUser());
    return c;
  };

  it("v1: reads header names in any case, and every line of a repeated Cookie header", async () => {
    const c = await signedInHeaders("v1");
    const [first, ...rest] = [...c.cookies].map(([name, value]) => `${name}=${encodeURIComponent(value)}`);
    const event = restEvent({ method: "GET", url: "/protected", headers: [["COOKIE", first!], ["cookie", rest.join("; ")], ["sT-aUtH-mOdE", "cookie"]] });
    expect(event.multiValueHeaders.COOKIE).toHaveLength(1);
    const res = readResult("v1", await lambda.client("v1", "cookie").handler(event, lambdaContext, () => undefined));
    expect(res.status).toBe(200);
  });

  it("v2: serves tessera's routes below an HTTP API stage that is part of rawPath", async () => {
    const c = await signedInHeaders("v2");
    const cookie = [...c.cookies].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join("; ");
    const event = v2Event({ method: "POST", url: "/auth/session/refresh", headers: [["cookie", cookie], ["rid", "session"]] }, "v2", "prod");
    expect(event.rawPath).toBe("/prod/auth/session/refresh");
    const res = readResult("v2", await c.handler(event, lambdaContext, () => undefined));
    expect(res.status).toBe(200);
    expect(res.setCookies.map((line) => line.slice(0, line.indexOf("="))).sort()).toStrictEqual(["sAccessToken", "sRefreshToken"]);
  });

  it("decodes a base64 body (isBase64Encoded) before parsing it", async () => {
    const event = v2Event({ method: "POST", url: "/login", headers: [["content-type", "application/json"]], body: Buffer.from('{"userId":"b64-user"}') });
    expect(event.isBase64Encoded).toBe(true);
    const res = readResult("v2", await lambda.client("v2", "cookie").handler(event, lambdaContext, () => undefined));
    expect(res.status).toBe(200);
  });

  it("v2: a handler's plain (unstructured) result becomes the JSON body, with the tokens merged in", async () => {
    const handler = middleware(async (event: SessionEventV2) => {
      await Session.createNewSession(event, event, "public", "plain-result-user");
      return { ok: true };
    });
    const result = (await handler(v2Event({ method: "POST", url: "/anything", headers: [["st-auth-mode", "cookie"]] }), lambdaContext, () => undefined)) as APIGatewayProxyStructuredResultV2;
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body!)).toStrictEqual({ ok: true });
    expect(result.headers?.["content-type"]).toBe("application/json");
    expect(result.cookies).toHaveLength(2);
  });

  it("merges into a structured result without losing the handler's own cookies and headers", async () => {
    const handler = middleware(async (event: LambdaEvent) => {
      await Session.createNewSession(event, event, "public", "merge-user");
      const own = "theme=dark; Path=/";
      return "version" in event
        ? { statusCode: 201, headers: { "access-control-expose-headers": "x-own" }, cookies: [own], body: "" }
        : { statusCode: 201, headers: { "Access-Control-Expose-Headers": "x-own" }, multiValueHeaders: { "set-cookie": [own] }, body: "" };
    });
    for (const kind of KINDS) {
      const raw: RawRequest = { method: "POST", url: "/anything", headers: [["st-auth-mode", "header"]] };
      const result = (await handler(toEvent(kind, raw), lambdaContext, () => undefined)) as APIGatewayProxyResult & APIGatewayProxyStructuredResultV2;
      expect(result.statusCode, kind).toBe(201);
      const exposed = String(result.headers?.["access-control-expose-headers"] ?? result.headers?.["Access-Control-Expose-Headers"]);
      expect(exposed.split(", "), kind).toEqual(expect.arrayContaining(["x-own", "front-token", "st-access-token", "st-refresh-token"]));
      expect(kind === "v1" ? result.multiValueHeaders?.["set-cookie"] : result.cookies, kind).toStrictEqual(["theme=dark; Path=/"]);
      expect(result.headers?.["st-access-token"], kind).toBeTruthy();
    }
  });

  it("the seed's shape: verifySession(handler, options) as the whole Lambda, a handler returning nothing", async () => {
    let ran = 0;
    async function likeComment(awsEvent: SessionEventV2) {
      expect(awsEvent.session?.getUserId()).toBeTruthy();
      ran++;
    }
    const handler = verifySession(likeComment, { overrideGlobalClaimValidators: (globalValidators) => [...globalValidators, SecondFactorClaim.validators.hasValue(true)] });
    const c = await signedInHeaders("url");
    const cookie = [...c.cookies].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join("; ");
    const event = (): APIGatewayProxyEventV2 => v2Event({ method: "POST", url: "/like-comment", headers: [["cookie", cookie]] }, "url");
    const refused = (await handler(event(), lambdaContext, () => undefined)) as APIGatewayProxyStructuredResultV2;
    expect(refused.statusCode).toBe(403);
    expect(JSON.parse(refused.body!)).toStrictEqual(INVALID_CLAIM_BODY);
    expect(ran).toBe(0);
    const unguarded = verifySession(likeComment);
    const passed = (await unguarded(event(), lambdaContext, () => undefined)) as APIGatewayProxyStructuredResultV2;
    expect(passed).toStrictEqual({ statusCode: 200, body: "" });
    expect(ran).toBe(1);
  });

  it("passes an error tessera does not own on to Lambda (the invocation fails)", async () => {
    const handler = verifySession(async () => {
      throw new Error("not tessera's");
    }, { sessionRequired: false });
    await expect(handler(v2Event({ method: "GET", url: "/x", headers: [] }), lambdaContext, () => undefined)).rejects.toThrow("not tessera's");
  });

  it("without a handler, middleware() answers 404 to paths that are not tessera's", async () => {
    const result = (await middleware()(restEvent({ method: "GET", url: "/elsewhere", headers: [] }), lambdaContext, () => undefined)) as APIGatewayProxyResult;
    expect(result.statusCode).toBe(404);
  });
});

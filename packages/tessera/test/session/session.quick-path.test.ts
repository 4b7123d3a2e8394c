/**
 * What the verify path's quick path (core/maybe-promise.ts, the shared frozen payload, the options
 * made once per route) must not change for an app: its overrides, its options object, its own
 * storage, its claims' code. Each case here was a defect found in review of that work.
 */
import Fastify from "fastify";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import tessera from "../../src/index.js";
import type { Storage } from "../../src/core/storage.js";
import { errorHandler as fastifyErrorHandler, plugin as fastifyPlugin, type SessionRequest as FastifySessionRequest } from "../../src/framework/fastify/index.js";
import type { SessionRequest } from "../../src/framework/express/index.js";
import { verifySession } from "../../src/recipe/session/framework/express.js";
import { verifySession as fastifyVerifySession } from "../../src/recipe/session/framework/fastify.js";
import { PrimitiveArrayClaim, PrimitiveClaim } from "../../src/recipe/session/claims/index.js";
import Session, { verifySessionInRequest, type VerifySessionOptions } from "../../src/recipe/session/index.js";
import type { JSONObject } from "../../src/recipe/session/types.js";
import { Client, startTestApp, type TestApp, type TestAppOptions } from "../helpers/app.js";

let app: TestApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const login = (a: TestApp["app"], payload: JSONObject = {}) =>
  a.post("/login", async (req, res) => {
    const session = await Session.createNewSession(req, res, "public", "user-1", payload);
    res.json({ handle: session.getHandle() });
  });

async function signedIn(options: TestAppOptions & { routes: (a: TestApp["app"]) => void }) {
  app = await startTestApp(options);
  const client = new Client(app.url, "header");
  const handle = (await client.request("POST", "/login")).body.handle as string;
  return { client, handle };
}

describe("the quick verify path keeps what an app relies on", () => {
  it("gives an app's own getSession a fresh options object it may change (checkDatabase then refuses a revoked session)", async () => {
    const { client, handle } = await signedIn({
      session: {
        override: {
          functions: (original) => ({
            ...original,
            getSession: async (input) => {
              if (input.options) input.options.checkDatabase = true;
              return original.getSession(input);
            },
          }),
        },
      },
      routes: (a) => {
        login(a);
        a.get("/read", verifySession(), (req: SessionRequest, res) => res.json({ userId: req.session!.getUserId() }));
      },
    });
    expect((await client.request("GET", "/read")).body).toEqual({ userId: "user-1" });
    await Session.revokeSession(handle);
    expect((await client.request("GET", "/read")).status).toBe(401);
  });

  it("calls an override as a method of the recipe, so it may use `this`", async () => {
    const { client } = await signedIn({
      session: {
        override: {
          functions: (original) => ({
            ...original,
            async getSession(input) {
              const session = await original.getSession(input);
              if (session) await this.getSessionInformation({ sessionHandle: session.getHandle(), userContext: input.userContext });
              return session;
            },
            async validateClaims(input) {
              await this.getSessionInformation({ sessionHandle: "none", userContext: input.userContext });
              return original.validateClaims(input);
            },
          }),
          apis: (original) => ({
            ...original,
            async verifySession(input) {
              expect(this.signOutPOST).toBeDefined();
              return original.verifySession(input);
            },
          }),
        },
      },
      routes: (a) => {
        login(a);
        a.get("/read", verifySession(), (req: SessionRequest, res) => res.json({ userId: req.session!.getUserId() }));
      },
    });
    expect((await client.request("GET", "/read")).body).toEqual({ userId: "user-1" });
  });

  it("follows a route's options object when the app changes it later", async () => {
    const options: VerifySessionOptions = {};
    const { client, handle } = await signedIn({
      routes: (a) => {
        login(a);
        a.get("/read", verifySession(options), (req: SessionRequest, res) => res.json({ userId: req.session?.getUserId() ?? null }));
      },
    });
    expect((await client.request("GET", "/read")).body).toEqual({ userId: "user-1" });
    options.checkDatabase = true;
    options.sessionRequired = false;
    await Session.revokeSession(handle);
    expect((await client.request("GET", "/read")).status).toBe(401);
    expect((await new Client(app!.url, "header").request("GET", "/read")).body).toEqual({ userId: null });
  });

  it("treats null options as none", async () => {
    const { client } = await signedIn({
      routes: (a) => {
        login(a);
        a.get("/read", verifySession(null as unknown as undefined), (req: SessionRequest, res) => res.json({ userId: req.session!.getUserId() }));
      },
    });
    expect((await client.request("GET", "/read")).body).toEqual({ userId: "user-1" });
  });

  it("refreshes with an app's own storage written before updateRefreshIfLive existed", async () => {
    const real = tessera.openStorage("sqlite::memory:");
    const { updateRefreshIfLive: _dropped, ...olderSessions } = real.sessions;
    const older: Storage = { ...real, sessions: olderSessions };
    const { client } = await signedIn({ database: older, routes: (a) => login(a) });
    expect((await client.refresh()).status).toBe(200);
    expect((await client.refresh()).status).toBe(200);
  });

  it("hands a claim's fetchValue, a custom claim's addToPayload_internal and onInvalidClaim values they may change", async () => {
    const Plan = new PrimitiveClaim<string>({
      key: "plan",
      fetchValue: (_userId, _recipeUserId, _tenantId, currentPayload) => {
        if (currentPayload) currentPayload.seenByFetch = true; // careless, but allowed before
        return "pro";
      },
      defaultMaxAgeInSeconds: 60,
    });
    class CarelessClaim extends PrimitiveClaim<string> {
      addToPayload_internal(payload: JSONObject, value: string) {
        payload[this.key] = { v: value, t: Date.now() }; // writes into its input
        return payload;
      }
    }
    const Careless = new CarelessClaim({ key: "careless", fetchValue: () => "x" });
    const Roles = new PrimitiveArrayClaim<string>({ key: "roles", fetchValue: () => ["reader"] });
    let redacted = 0;
    const { client } = await signedIn({
      session: {
        errorHandlers: {
          onInvalidClaim: (errors, _req, res) => {
            for (const error of errors) {
              const reason = error.reason as { actualValue?: unknown[] } | undefined;
              if (Array.isArray(reason?.actualValue)) {
                reason.actualValue.length = 0;
                redacted++;
              }
            }
            res.setStatus(403);
            res.sendJSON({ message: "invalid claim" });
          },
        },
      },
      routes: (a) => {
        a.post("/login", async (req, res) => {
          await Session.createNewSession(req, res, "public", "user-1", { ...Roles.addToPayload_internal({}, ["reader"]) });
          res.json({});
        });
        a.get("/plan", verifySession({ overrideGlobalClaimValidators: () => [Plan.validators.hasValue("pro", 0)] }), (_req, res) => res.json({ ok: true }));
        a.get("/careless", verifySession({ overrideGlobalClaimValidators: () => [Careless.validators.hasValue("x")] }), async (req: SessionRequest, res) => {
          await req.session!.fetchAndSetClaim(Careless);
          res.json({ ok: true });
        });
        a.get("/admin", verifySession({ overrideGlobalClaimValidators: () => [Roles.validators.includes("admin")] }), (_req, res) => res.json({ ok: true }));
      },
    });
    // Twice each: the second request is a cache hit, with the shared frozen payload.
    for (let i = 0; i < 2; i++) {
      expect((await client.request("GET", "/plan")).status).toBe(200);
      expect((await client.request("GET", "/careless")).status).toBe(200);
      expect((await client.request("GET", "/admin")).status).toBe(403);
    }
    expect(redacted).toBe(2);
  });

  it("keeps verifySessionInRequest a promise", async () => {
    const { client } = await signedIn({ routes: (a) => login(a) });
    const req = {
      method: "GET",
      path: "/x",
      query: new URLSearchParams(),
      getHeader: (name: string) => (name === "authorization" ? `Bearer ${client.accessToken}` : undefined),
      getCookieValues: () => [],
      getJSONBody: async () => ({}),
      original: undefined,
    };
    const res = { setStatus() {}, setHeader() {}, removeHeader() {}, setCookie() {}, sendJSON() {}, isSent: () => false, original: undefined };
    await verifySessionInRequest(req, res, undefined, {});
    const again = verifySessionInRequest(req, res, undefined, {});
    expect(again).toBeInstanceOf(Promise);
    expect((await again)?.getUserId()).toBe("user-1");
  });
});

describe("the Fastify verifySession called by hand, as (request, reply)", () => {
  it("returns a promise that settles once req.session is set, or once the 401 is sent", async () => {
    tessera.init({
      framework: "fastify",
      appInfo: { appName: "Test", apiDomain: "http://127.0.0.1", websiteDomain: "http://127.0.0.1" },
      database: "sqlite::memory:",
      recipeList: [Session.init()],
    });
    const fastify = Fastify();
    try {
      await fastify.register(fastifyPlugin);
      fastify.setErrorHandler(fastifyErrorHandler());
      const guard = fastifyVerifySession();
      const outcomes: string[] = [];
      fastify.addHook("preHandler", async (request, reply) => {
        if (!request.url.startsWith("/api/")) return;
        await guard(request, reply);
        outcomes.push(reply.sent ? "answered" : "verified");
        if (reply.sent) return reply;
      });
      fastify.post("/login", async (request, reply) => {
        await Session.createNewSession(request, reply, "public", "user-1");
        return {};
      });
      fastify.get("/api/read", async (request) => ({ userId: (request as FastifySessionRequest).session?.getUserId() }));
      await fastify.listen({ port: 0, host: "127.0.0.1" });
      const url = `http://127.0.0.1:${(fastify.server.address() as AddressInfo).port}`;
      const client = new Client(url, "header");
      await client.request("POST", "/login");
      expect((await client.request("GET", "/api/read")).body).toEqual({ userId: "user-1" });
      const anonymous = await new Client(url, "header").request("GET", "/api/read");
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toEqual({ message: "unauthorised" });
      expect(outcomes).toEqual(["verified", "answered"]);
    } finally {
      await fastify.close();
      await tessera.reset();
    }
  });
});

describe("cookies as the app's middleware left them in req.headers", () => {
  it("obeys a middleware that strips them before verifySession", async () => {
    app = await startTestApp({
      routes: (a) => {
        login(a);
        a.use((req, _res, next) => {
          if (req.headers["x-strip-cookies"] !== undefined) delete req.headers.cookie;
          next();
        });
        a.get("/read", verifySession(), (req: SessionRequest, res) => res.json({ userId: req.session!.getUserId() }));
      },
    });
    const client = new Client(app.url, "cookie");
    await client.request("POST", "/login");
    expect((await client.request("GET", "/read")).body).toEqual({ userId: "user-1" });
    const stripped = await client.request("GET", "/read", { headers: { "x-strip-cookies": "1" } });
    expect(stripped.status).toBe(401);
    expect(stripped.body).toEqual({ message: "unauthorised" });
  });

  it("obeys a middleware that adds one to a request sent without a Cookie header", async () => {
    app = await startTestApp({
      routes: (a) => {
        login(a);
        // As a proxy or a Next.js middleware might: the session cookie carried in another header.
        a.use((req, _res, next) => {
          const carried = req.headers["x-session-cookie"];
          if (typeof carried === "string") req.headers.cookie = `sAccessToken=${carried}`;
          next();
        });
        a.get("/read", verifySession(), (req: SessionRequest, res) => res.json({ userId: req.session!.getUserId() }));
      },
    });
    const client = new Client(app.url, "cookie");
    await client.request("POST", "/login");
    const token = client.cookie("sAccessToken");
    expect(token).toBeDefined();
    const response = await fetch(`${app.url}/read`, { headers: { "x-session-cookie": token! } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ userId: "user-1" });
  });
});

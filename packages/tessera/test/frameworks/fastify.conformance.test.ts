/**
 * The framework conformance suite on Fastify, through a real listen on 127.0.0.1: `plugin`
 * registered with `fastify.register`, `errorHandler()` for `setErrorHandler`, `verifySession` as
 * each route's `preHandler`. Run twice: with Fastify's default parsers, and with an app that
 * replaces the JSON parser and adds a catch-all one (the plugin reads its own bodies either way).
 */
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorHandler, plugin, type SessionRequest } from "../../src/framework/fastify/index.js";
import { verifySession } from "../../src/recipe/session/framework/fastify.js";
import Session from "../../src/recipe/session/index.js";
import type { BooleanClaim } from "../../src/recipe/session/claims/index.js";
import tessera from "../../src/index.js";
import { fixedClock } from "../../src/core/clock.js";
import { Client, T0_MS } from "../helpers/app.js";
import { SecondFactorClaim } from "../conformance/framework-claim.js";
import { describeFrameworkSuite, type FrameworkServer } from "../conformance/framework-suite.js";

async function startFastify(SecondFactorClaim: BooleanClaim, customParsers: boolean) {
  const fastify: FastifyInstance = Fastify();
  if (customParsers) {
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
      try {
        done(null, JSON.parse(String(body)));
      } catch {
        done(Object.assign(new Error("Malformed JSON"), { statusCode: 400 }), undefined);
      }
    });
    fastify.addContentTypeParser("*", (_request, _payload, done) => done(null, undefined));
  }
  await fastify.register(plugin);
  fastify.setErrorHandler(errorHandler());
  fastify.post("/login", async (request, reply) => {
    const session = await Session.createNewSession(request, reply, "public", String((request.body as { userId: unknown }).userId));
    return { handle: session.getHandle() };
  });
  fastify.post(
    "/like-comment",
    { preHandler: verifySession({ overrideGlobalClaimValidators: (globalValidators) => [...globalValidators, SecondFactorClaim.validators.hasValue(true)] }) },
    async (req: SessionRequest) => ({ userId: req.session!.getUserId() }),
  );
  fastify.post("/complete", { preHandler: verifySession() }, async (req: SessionRequest) => {
    await req.session!.setClaimValue(SecondFactorClaim, true);
    return {};
  });
  fastify.get("/optional", { preHandler: verifySession({ sessionRequired: false }) }, async (req: SessionRequest) => ({
    userId: req.session?.getUserId() ?? null,
  }));
  fastify.get("/protected", { preHandler: verifySession() }, async (req: SessionRequest) => ({ userId: req.session!.getUserId() }));
  // For the error-path cases below: errors thrown in the app's own handlers.
  fastify.get("/get-session", async (request, reply) => {
    const session = await Session.getSession(request, reply, { overrideGlobalClaimValidators: (globalValidators) => [...globalValidators, SecondFactorClaim.validators.hasValue(true)] });
    return { userId: session?.getUserId() };
  });
  fastify.get("/fail", async () => {
    throw new Error("the app failed");
  });
  const url = await fastify.listen({ port: 0, host: "127.0.0.1" });
  return { url, close: () => fastify.close() };
}

describeFrameworkSuite("fastify", ({ SecondFactorClaim }) => startFastify(SecondFactorClaim, false));

describe("the fastify plugin with the app's own content-type parsers", () => {
  describeFrameworkSuite("fastify", ({ SecondFactorClaim }) => startFastify(SecondFactorClaim, true));
});

/** Errors thrown in the app's own handlers: `Session.getSession` there throws, and the adapter's error path answers. */
describe("fastify: a tessera error thrown in a route handler", () => {
  let server: FrameworkServer | undefined;
  beforeAll(async () => {
    tessera.init({
      framework: "fastify",
      appInfo: { appName: "Errors", apiDomain: "http://127.0.0.1", websiteDomain: "http://127.0.0.1" },
      database: "sqlite::memory:",
      recipeList: [Session.init()],
      clock: fixedClock(T0_MS),
    });
    server = await startFastify(SecondFactorClaim, false);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await tessera.reset();
  });

  it.each(["cookie", "header"] as const)("becomes 401 or 403; any other error stays the framework's 500 (%s mode)", async (mode) => {
    const c = new Client(server!.url, mode);
    expect(await c.request("GET", "/get-session")).toMatchObject({ status: 401, body: { message: "unauthorised" } });
    expect((await c.request("POST", "/login", { body: { userId: "user-1" } })).status).toBe(200);
    expect(await c.request("GET", "/get-session")).toMatchObject({ status: 403, body: { message: "invalid claim" } });
    expect((await c.request("GET", "/fail")).status).toBe(500);
  });
});

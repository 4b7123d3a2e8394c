/**
 * The framework conformance suite on Hapi, through a real listen on 127.0.0.1: `plugin` registered
 * with `server.register`, `verifySession` as each route's `pre` method.
 */
import Hapi from "@hapi/hapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plugin, type SessionRequest } from "../../src/framework/hapi/index.js";
import { verifySession } from "../../src/recipe/session/framework/hapi.js";
import Session from "../../src/recipe/session/index.js";
import type { BooleanClaim } from "../../src/recipe/session/claims/index.js";
import tessera from "../../src/index.js";
import { fixedClock } from "../../src/core/clock.js";
import { Client, T0_MS } from "../helpers/app.js";
import { SecondFactorClaim } from "../conformance/framework-claim.js";
import { describeFrameworkSuite, type FrameworkServer } from "../conformance/framework-suite.js";

async function startHapi(SecondFactorClaim: BooleanClaim): Promise<FrameworkServer> {
  const server = Hapi.server({ port: 0, host: "127.0.0.1", debug: false }); // /fail throws on purpose
  await server.register(plugin);
  server.route({
    method: "POST",
    path: "/login",
    handler: async (req, h) => {
      const session = await Session.createNewSession(req, h, "public", String((req.payload as { userId: unknown }).userId));
      return { handle: session.getHandle() };
    },
  });
  server.route({
    method: "POST",
    path: "/like-comment",
    options: {
      pre: [{ method: verifySession({ overrideGlobalClaimValidators: (globalValidators) => [...globalValidators, SecondFactorClaim.validators.hasValue(true)] }) }],
    },
    handler: (req: SessionRequest) => ({ userId: req.session!.getUserId() }),
  });
  server.route({
    method: "POST",
    path: "/complete",
    options: { pre: [{ method: verifySession() }] },
    handler: async (req: SessionRequest) => {
      await req.session!.setClaimValue(SecondFactorClaim, true);
      return {};
    },
  });
  server.route({
    method: "GET",
    path: "/optional",
    options: { pre: [{ method: verifySession({ sessionRequired: false }) }] },
    handler: (req: SessionRequest) => ({ userId: req.session?.getUserId() ?? null }),
  });
  server.route({
    method: "GET",
    path: "/protected",
    options: { pre: [{ method: verifySession() }] },
    handler: (req: SessionRequest) => ({ userId: req.session!.getUserId() }),
  });
  // For the error-path cases below: errors thrown in the app's own handlers.
  server.route({
    method: "GET",
    path: "/get-session",
    handler: async (req, h) => {
      const session = await Session.getSession(req, h, { overrideGlobalClaimValidators: (globalValidators) => [...globalValidators, SecondFactorClaim.validators.hasValue(true)] });
      return { userId: session?.getUserId() };
    },
  });
  server.route({
    method: "GET",
    path: "/fail",
    handler: () => {
      throw new Error("the app failed");
    },
  });
  await server.start();
  return { url: server.info.uri, close: () => server.stop({ timeout: 1_000 }) };
}

describeFrameworkSuite("hapi", ({ SecondFactorClaim }) => startHapi(SecondFactorClaim));

/** Errors thrown in the app's own handlers: `Session.getSession` there throws, and the adapter's error path answers. */
describe("hapi: a tessera error thrown in a route handler", () => {
  let server: FrameworkServer | undefined;
  beforeAll(async () => {
    tessera.init({
      framework: "hapi",
      appInfo: { appName: "Errors", apiDomain: "http://127.0.0.1", websiteDomain: "http://127.0.0.1" },
      database: "sqlite::memory:",
      recipeList: [Session.init()],
      clock: fixedClock(T0_MS),
    });
    server = await startHapi(SecondFactorClaim);
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

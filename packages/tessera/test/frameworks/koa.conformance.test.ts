/**
 * The framework conformance suite on Koa with koa-router, through a real listen on 127.0.0.1:
 * `middleware()` first, `verifySession` as route middleware, `ctx.session` in the handlers.
 */
import Koa, { type Context } from "koa";
import KoaRouter from "koa-router";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { middleware, type SessionContext } from "../../src/framework/koa/index.js";
import { verifySession } from "../../src/recipe/session/framework/koa.js";
import Session from "../../src/recipe/session/index.js";
import type { BooleanClaim } from "../../src/recipe/session/claims/index.js";
import tessera from "../../src/index.js";
import { fixedClock } from "../../src/core/clock.js";
import { Client, T0_MS } from "../helpers/app.js";
import { SecondFactorClaim } from "../conformance/framework-claim.js";
import { describeFrameworkSuite, type FrameworkServer } from "../conformance/framework-suite.js";

/** The app's own JSON body reading (no body parser installed): malformed JSON is the client's fault. */
async function readJSON(ctx: Context): Promise<{ userId?: unknown }> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as { userId?: unknown };
  } catch {
    return ctx.throw(400, "malformed JSON");
  }
}

async function startKoa(SecondFactorClaim: BooleanClaim): Promise<FrameworkServer> {
  const app = new Koa();
  app.silent = true; // /fail throws on purpose
  const router = new KoaRouter();
  router.post("/login", async (ctx) => {
    const body = await readJSON(ctx);
    const session = await Session.createNewSession(ctx, ctx, "public", String(body.userId));
    ctx.body = { handle: session.getHandle() };
  });
  router.post(
    "/like-comment",
    verifySession({ overrideGlobalClaimValidators: (globalValidators) => [...globalValidators, SecondFactorClaim.validators.hasValue(true)] }),
    (ctx: SessionContext) => {
      ctx.body = { userId: ctx.session!.getUserId() };
    },
  );
  router.post("/complete", verifySession(), async (ctx: SessionContext) => {
    await ctx.session!.setClaimValue(SecondFactorClaim, true);
    ctx.body = {};
  });
  router.get("/optional", verifySession({ sessionRequired: false }), (ctx: SessionContext) => {
    ctx.body = { userId: ctx.session?.getUserId() ?? null };
  });
  router.get("/protected", verifySession(), (ctx: SessionContext) => {
    ctx.body = { userId: ctx.session!.getUserId() };
  });
  // For the error-path cases below: errors thrown in the app's own handlers.
  router.get("/get-session", async (ctx) => {
    const session = await Session.getSession(ctx, ctx, { overrideGlobalClaimValidators: (globalValidators) => [...globalValidators, SecondFactorClaim.validators.hasValue(true)] });
    ctx.body = { userId: session?.getUserId() };
  });
  router.get("/fail", () => {
    throw new Error("the app failed");
  });
  app.use(middleware());
  app.use(router.routes());
  app.use(router.allowedMethods());
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describeFrameworkSuite("koa", ({ SecondFactorClaim }) => startKoa(SecondFactorClaim));

/** Errors thrown in the app's own handlers: `Session.getSession` there throws, and the adapter's error path answers. */
describe("koa: a tessera error thrown in a route handler", () => {
  let server: FrameworkServer | undefined;
  beforeAll(async () => {
    tessera.init({
      framework: "koa",
      appInfo: { appName: "Errors", apiDomain: "http://127.0.0.1", websiteDomain: "http://127.0.0.1" },
      database: "sqlite::memory:",
      recipeList: [Session.init()],
      clock: fixedClock(T0_MS),
    });
    server = await startKoa(SecondFactorClaim);
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

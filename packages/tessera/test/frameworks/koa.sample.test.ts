/**
 * The seed's Koa sample, compiled unchanged by strict tsc to CommonJS against the BUILT package:
 * the koa-router it builds (`new KoaRouter()`, its `POST /like-comment` with `verifySession(...)`
 * as route middleware) mounted in a real Koa app after tessera's middleware, as an app does, on
 * 127.0.0.1. See seed-sample-server.ts.
 */
import type Koa from "koa";
import type KoaRouter from "koa-router";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSeedBehaviour, compileSample, ensureBuiltAdapters, initTessera, loadSample, type HandlerCalls, type SampleProject } from "./seed-sample-server.js";

type Context = Koa.Context & { session?: { getUserId(): string } };
type Middleware = (ctx: Context, next: () => Promise<unknown>) => unknown;

describe("the seed's Koa sample, compiled unchanged, in a real Koa app", () => {
  let project: SampleProject | undefined;
  let tools: ReturnType<typeof initTessera> | undefined;
  let server: Server | undefined;
  let url = "";
  const calls: HandlerCalls = [];

  beforeAll(async () => {
    ensureBuiltAdapters();
    project = compileSample("koa.ts");
    tools = initTessera(project, "koa");
    const built: KoaRouter[] = [];
    loadSample(project, {
      "koa-router": (Real: new (...args: unknown[]) => KoaRouter) =>
        class extends Real {
          constructor(...args: unknown[]) {
            super(...args);
            built.push(this);
            const post = this.post.bind(this) as (path: string, ...middleware: Middleware[]) => KoaRouter;
            // The sample's handler is `//....`: note that it ran, and answer where the app would.
            (this as { post: unknown }).post = (path: string, ...middleware: Middleware[]) => {
              const handler = middleware.pop()!;
              return post(path, ...middleware, async (ctx: Context, next: () => Promise<unknown>) => {
                await handler(ctx, next);
                calls.push(ctx.session?.getUserId() ?? null);
                if (ctx.body === undefined) ctx.body = { userId: ctx.session?.getUserId() ?? null };
              });
            };
          }
        },
    });
    expect(built, "the sample builds one router").toHaveLength(1);
    const router = built[0]!;
    const KoaApp = project.load("koa") as typeof Koa;
    const { middleware } = project.load("tessera/framework/koa") as typeof import("../../src/framework/koa/index.js");
    const app = new KoaApp();
    app.use(middleware());
    app.use(router.routes());
    app.use(router.allowedMethods());
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, "127.0.0.1", () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 300_000);

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await tools?.tessera.reset();
    project?.remove();
  });

  it.each(["cookie", "header"] as const)("POST /like-comment: 401 without a session, 403 with the exact body while the claim is false, the handler once it is true (%s mode)", async (mode) => {
    await checkSeedBehaviour(url, mode, calls, tools!);
  });
});

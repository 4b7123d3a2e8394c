/**
 * The seed's LoopBack sample, compiled unchanged by strict tsc (CommonJS, decorators) against the
 * BUILT package: its `LikeComment` controller (`@post("/like-comment")`,
 * `@intercept(verifySession(...))`, `@response(200)`), which the sample declares without
 * exporting, mounted in a real RestApplication after tessera's middleware, as an app does, on
 * 127.0.0.1. The controller class is found through its `@post` decorator. See seed-sample-server.ts.
 */
import type { MiddlewareContext, RestApplication } from "@loopback/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSeedBehaviour, compileSample, ensureBuiltAdapters, initTessera, loadSample, type HandlerCalls, type SampleProject } from "./seed-sample-server.js";

type MethodDecorator = (target: object, key: string | symbol, descriptor: PropertyDescriptor) => PropertyDescriptor | void;
type Rest = typeof import("@loopback/rest");

describe("the seed's LoopBack sample, compiled unchanged, in a real LoopBack application", () => {
  let project: SampleProject | undefined;
  let tools: ReturnType<typeof initTessera> | undefined;
  let app: RestApplication | undefined;
  const calls: HandlerCalls = [];

  beforeAll(async () => {
    ensureBuiltAdapters();
    project = compileSample("loopback.ts");
    tools = initTessera(project, "loopback");
    const controllers: Array<new (...args: never[]) => unknown> = [];
    loadSample(project, {
      "@loopback/rest": (real: Rest) => {
        const rest = Object.create(real) as Rest;
        Object.defineProperty(rest, "post", {
          value: (...args: Parameters<Rest["post"]>) => {
            const decorate = real.post(...args) as MethodDecorator;
            return (target: object, key: string | symbol, descriptor: PropertyDescriptor) => {
              controllers.push(target.constructor as new (...args: never[]) => unknown);
              const handler = descriptor.value as (this: { ctx?: MiddlewareContext & { session?: { getUserId(): string } } }) => unknown;
              // The sample's handler is `//....` (LoopBack would answer 204): note that it ran, and answer where the app would.
              descriptor.value = function (this: { ctx?: MiddlewareContext & { session?: { getUserId(): string } } }) {
                const result = handler.call(this);
                calls.push(this.ctx?.session?.getUserId() ?? null);
                return result === undefined ? { userId: this.ctx?.session?.getUserId() ?? null } : result;
              };
              return decorate(target, key, descriptor) ?? descriptor;
            };
          },
        });
        return rest;
      },
    });
    expect(controllers, "the sample declares one controller route").toHaveLength(1);
    const { RestApplication: Application } = project.load("@loopback/rest") as Rest;
    const { middleware } = project.load("tessera/framework/loopback") as typeof import("../../src/framework/loopback/index.js");
    app = new Application({ rest: { port: 0, host: "127.0.0.1" } });
    app.middleware(middleware);
    app.controller(controllers[0]!);
    await app.start();
  }, 300_000);

  afterAll(async () => {
    await app?.stop();
    await tools?.tessera.reset();
    project?.remove();
  });

  it.each(["cookie", "header"] as const)("POST /like-comment: 401 without a session, 403 with the exact body while the claim is false, the handler once it is true (%s mode)", async (mode) => {
    await checkSeedBehaviour(app!.restServer.url!.replace(/\/$/, ""), mode, calls, tools!);
  });
});

/**
 * The seed's Hapi sample, compiled unchanged by strict tsc to CommonJS against the BUILT package,
 * served by the Hapi server it builds (`Hapi.server(...)`, its `POST /like-comment` with
 * `verifySession(...)` as a `pre` method), with tessera's plugin registered as an app does, on
 * 127.0.0.1 and a free port (the sample's 8000 could be taken). See seed-sample-server.ts.
 */
import type { Request, ResponseToolkit, Server, ServerOptions, ServerRoute } from "@hapi/hapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSeedBehaviour, compileSample, ensureBuiltAdapters, initTessera, loadSample, type HandlerCalls, type SampleProject } from "./seed-sample-server.js";

type Handler = (request: Request & { session?: { getUserId(): string } }, h: ResponseToolkit) => unknown;

describe("the seed's Hapi sample, compiled unchanged, on a real Hapi server", () => {
  let project: SampleProject | undefined;
  let tools: ReturnType<typeof initTessera> | undefined;
  let server: Server | undefined;
  const calls: HandlerCalls = [];

  beforeAll(async () => {
    ensureBuiltAdapters();
    project = compileSample("hapi.ts");
    tools = initTessera(project, "hapi");
    const built: Server[] = [];
    loadSample(project, {
      "@hapi/hapi": (real: { server(options?: ServerOptions): Server }) => ({
        ...real,
        server: (options?: ServerOptions) => {
          const instance = real.server({ ...options, port: 0, host: "127.0.0.1" });
          built.push(instance);
          const route = instance.route.bind(instance);
          // The sample's handler is `//...`: note that it ran, and answer where the app would.
          (instance as { route: unknown }).route = (config: ServerRoute) => {
            const handler = config.handler as Handler;
            return route({
              ...config,
              handler: async (request: Request & { session?: { getUserId(): string } }, h: ResponseToolkit) => {
                const result = await handler(request, h);
                calls.push(request.session?.getUserId() ?? null);
                return result === undefined ? h.response({ userId: request.session?.getUserId() ?? null }).code(200) : result;
              },
            });
          };
          return instance;
        },
      }),
    });
    expect(built, "the sample builds one Hapi server").toHaveLength(1);
    server = built[0]!;
    const { plugin } = project.load("tessera/framework/hapi") as typeof import("../../src/framework/hapi/index.js");
    await server.register(plugin);
    await server.start();
  }, 300_000);

  afterAll(async () => {
    await server?.stop({ timeout: 1_000 });
    await tools?.tessera.reset();
    project?.remove();
  });

  it.each(["cookie", "header"] as const)("POST /like-comment: 401 without a session, 403 with the exact body while the claim is false, the handler once it is true (%s mode)", async (mode) => {
    await checkSeedBehaviour(server!.info.uri, mode, calls, tools!);
  });
});

/**
 * The seed's Fastify sample, compiled unchanged by strict tsc to CommonJS against the BUILT
 * package, served by the Fastify instance it builds (`let fastify = Fastify()`, its
 * `POST /like-comment` with `preHandler: verifySession(...)`), with tessera's plugin and error
 * handler added as an app adds them, listening on 127.0.0.1. See seed-sample-server.ts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSeedBehaviour, compileSample, ensureBuiltAdapters, initTessera, loadSample, type HandlerCalls, type SampleProject } from "./seed-sample-server.js";

type Handler = (this: unknown, request: FastifyRequest & { session?: { getUserId(): string } }, reply: FastifyReply) => unknown;

describe("the seed's Fastify sample, compiled unchanged, on a real Fastify server", () => {
  let project: SampleProject | undefined;
  let tools: ReturnType<typeof initTessera> | undefined;
  let app: FastifyInstance | undefined;
  let url = "";
  const calls: HandlerCalls = [];

  beforeAll(async () => {
    ensureBuiltAdapters();
    project = compileSample("fastify.ts");
    tools = initTessera(project, "fastify");
    const built: FastifyInstance[] = [];
    loadSample(project, {
      fastify: (real: (options?: unknown) => FastifyInstance) => (options?: unknown) => {
        const instance = real(options);
        built.push(instance);
        const post = instance.post.bind(instance) as (path: string, options: unknown, handler: Handler) => FastifyInstance;
        // The sample's handler is `//....`: note that it ran, and answer where the app would.
        (instance as { post: unknown }).post = (path: string, routeOptions: unknown, handler: Handler) =>
          post(path, routeOptions, function (this: unknown, request, reply) {
            const result = handler.call(this, request, reply);
            calls.push(request.session?.getUserId() ?? null);
            if (result === undefined && !reply.sent) void reply.code(200).send({ userId: request.session?.getUserId() ?? null });
            return result;
          });
        return instance;
      },
    });
    expect(built, "the sample builds one Fastify instance").toHaveLength(1);
    app = built[0]!;
    const { plugin, errorHandler } = project.load("tessera/framework/fastify") as typeof import("../../src/framework/fastify/index.js");
    await app.register(plugin);
    app.setErrorHandler(errorHandler());
    url = await app.listen({ port: 0, host: "127.0.0.1" });
  }, 300_000);

  afterAll(async () => {
    await app?.close();
    await tools?.tessera.reset();
    project?.remove();
  });

  it.each(["cookie", "header"] as const)("POST /like-comment: 401 without a session, 403 with the exact body while the claim is false, the handler once it is true (%s mode)", async (mode) => {
    await checkSeedBehaviour(url, mode, calls, tools!);
  });
});

/**
 * The framework conformance suite on NestJS (platform-express): a real Nest application on
 * 127.0.0.1 importing `TesseraModule`, its routes guarded with `new AuthGuard(options)` (nestjs.app.ts).
 * Then what is Nest's own: tessera's errors thrown inside a handler answered by the module's
 * exception filter, other errors left to Nest.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import tessera from "../../src/index.js";
import { AuthGuard, Session as TesseraSession, TesseraModule } from "../../src/framework/nestjs/index.js";
import Session from "../../src/recipe/session/index.js";
import { describeFrameworkSuite } from "../conformance/framework-suite.js";
import { SecondFactorClaim } from "../conformance/framework-claim.js";
import { Client } from "../helpers/app.js";
import type * as NestApp from "./nestjs.app.js";
import { loadDecorated } from "./loopback.transpile.js";

const fixture = loadDecorated<typeof NestApp>("nestjs.app.ts");
afterAll(() => fixture.remove());

const start = () => fixture.module.startNestApp({ AuthGuard, TesseraSession, TesseraModule, SessionRecipe: Session, SecondFactorClaim });

describeFrameworkSuite("nestjs", start);

describe("NestJS: errors thrown in a handler", () => {
  let server: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    tessera.init({
      framework: "nestjs",
      appInfo: { appName: "Nest", apiDomain: "http://127.0.0.1", websiteDomain: "http://127.0.0.1", apiBasePath: "/auth" },
      database: "sqlite::memory:",
      recipeList: [Session.init()],
    });
    server = await start();
  });
  afterAll(async () => {
    await server?.close();
    await tessera.reset();
  });

  it("answers a session error thrown by Session.getSession in a handler through TesseraModule's filter (401)", async () => {
    const c = new Client(server.url);
    const res = await c.request("GET", "/in-handler");
    expect(res.status).toBe(401);
    expect(res.body).toStrictEqual({ message: "unauthorised" });
    await c.request("POST", "/login", { body: { userId: "nest-user" } });
    expect(await c.request("GET", "/in-handler")).toMatchObject({ status: 200, body: { userId: "nest-user" } });
  });

  it("leaves an error tessera does not own to Nest (500, Nest's body)", async () => {
    const res = await new Client(server.url).request("GET", "/boom");
    expect(res.status).toBe(500);
    expect(res.body).toStrictEqual({ statusCode: 500, message: "Internal server error" });
  });
});

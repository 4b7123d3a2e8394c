/**
 * The seed's NestJS sample, compiled unchanged by strict tsc (CommonJS, decorators) with its
 * `./auth/auth.guard` as the two lines docs/nestjs.md shows, run against the BUILT package: its
 * `ExampleController` mounted in a real Nest app on 127.0.0.1 next to TesseraModule. The seed says:
 * no session → 401; claim false → 403 with the invalid-claim body; claim true → the handler runs.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../helpers/app.js";
import type * as NestApp from "./nestjs.app.js";
import { loadDecorated } from "./loopback.transpile.js";
import { createSamples2Project, emitSamples, ensureBuiltWithFrameworks } from "./nestjs.seed-project.js";

const INVALID_CLAIM_BODY = {
  message: "invalid claim",
  claimValidationErrors: [{ id: "2fa-completed", reason: { message: "wrong value", expectedValue: true, actualValue: false } }],
};

describe("the seed's NestJS sample, compiled unchanged, in a real Nest app", () => {
  const project = createSamples2Project();
  const fixture = loadDecorated<typeof NestApp>("nestjs.app.ts");
  let server: { url: string; close(): Promise<void> } | undefined;
  let tessera: { init(config: unknown): void; reset(): Promise<void> } | undefined;

  beforeAll(async () => {
    ensureBuiltWithFrameworks();
    const out = emitSamples(project, ["nestjs.ts"]);
    // Everything tessera comes from the built package, as the sample's own imports resolve it.
    const load = createRequire(join(project.dir, "consumer.cjs"));
    tessera = load("tessera").default;
    const Session = load("tessera/recipe/session").default;
    const nest = load("tessera/framework/nestjs");
    const { ExampleController } = load(join(out, "nestjs.js"));
    const { SecondFactorClaim } = load(join(out, "second-factor-claim.js"));
    tessera!.init({
      framework: "nestjs",
      appInfo: { appName: "Seed Nest", apiDomain: "http://127.0.0.1", websiteDomain: "http://127.0.0.1", apiBasePath: "/auth" },
      database: "sqlite::memory:",
      recipeList: [Session.init()],
    });
    server = await fixture.module.startNestApp({ AuthGuard: nest.AuthGuard, TesseraSession: nest.Session, TesseraModule: nest.TesseraModule, SessionRecipe: Session, SecondFactorClaim, controllers: [ExampleController] });
  }, 300_000);

  afterAll(async () => {
    await server?.close();
    await tessera?.reset();
    fixture.remove();
    project.remove();
  });

  it.each(["cookie", "header"] as const)("POST /example: 401 without a session, 403 while the claim is false, the handler once it is true (%s mode)", async (mode) => {
    const c = new Client(server!.url, mode);
    expect(await c.request("POST", "/example")).toMatchObject({ status: 401, body: { message: "unauthorised" } });
    expect((await c.request("POST", "/login", { body: { userId: `seed-${mode}` } })).status).toBe(200);
    const refused = await c.request("POST", "/example");
    expect(refused.status).toBe(403);
    expect(refused.body).toStrictEqual(INVALID_CLAIM_BODY);
    expect((await c.request("POST", "/complete")).status).toBe(200);
    // Nest answers a @Post with 201 unless told otherwise; the sample's handler returns true.
    expect(await c.request("POST", "/example")).toMatchObject({ status: 201, body: true });
  });
});

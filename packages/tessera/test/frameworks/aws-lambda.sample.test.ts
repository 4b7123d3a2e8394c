/**
 * The seed's AWS Lambda sample, compiled unchanged by strict tsc to CommonJS against the BUILT
 * package, its `exports.handler` invoked with HTTP API (v2) and Function URL events. The seed
 * says: no session → 401; claim false → 403 with the invalid-claim body; claim true → the handler
 * runs (it returns nothing: an empty 200).
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lambdaContext, readResult, v2Event } from "./aws-lambda.app.js";
import { createSamples2Project, emitSamples, ensureBuiltWithFrameworks } from "./nestjs.seed-project.js";

const INVALID_CLAIM_BODY = {
  message: "invalid claim",
  claimValidationErrors: [{ id: "2fa-completed", reason: { message: "wrong value", expectedValue: true, actualValue: false } }],
};

interface Container {
  setClaimValue(claim: unknown, value: unknown): Promise<void>;
  getAllSessionTokensDangerously(): { accessToken: string };
}

describe("the seed's AWS Lambda sample, compiled unchanged, invoked with real events", () => {
  const project = createSamples2Project();
  let tessera: { init(config: unknown): void; reset(): Promise<void> } | undefined;
  let handler: (event: unknown, context: unknown, callback: unknown) => Promise<unknown>;
  let createSession: () => Promise<Container>;
  let SecondFactorClaim: unknown;

  beforeAll(() => {
    ensureBuiltWithFrameworks();
    const out = emitSamples(project, ["aws-lambda.ts"]);
    const load = createRequire(join(project.dir, "consumer.cjs"));
    tessera = load("tessera").default;
    const Session = load("tessera/recipe/session").default;
    tessera!.init({
      framework: "awsLambda",
      appInfo: { appName: "Seed Lambda", apiDomain: "http://127.0.0.1", websiteDomain: "http://127.0.0.1", apiBasePath: "/auth" },
      database: "sqlite::memory:",
      recipeList: [Session.init()],
    });
    handler = load(join(out, "aws-lambda.js")).handler;
    SecondFactorClaim = load(join(out, "second-factor-claim.js")).SecondFactorClaim;
    createSession = () => Session.createNewSessionWithoutRequestResponse("public", "seed-lambda-user");
  }, 300_000);

  afterAll(async () => {
    await tessera?.reset();
    project.remove();
  });

  it.each(["v2", "url"] as const)("answers 401, then 403 with the exact body, then runs the handler (%s events)", async (kind) => {
    const invoke = async (cookie?: string) =>
      readResult(kind, await handler(v2Event({ method: "POST", url: "/like-comment", headers: cookie ? [["cookie", cookie]] : [] }, kind), lambdaContext, () => undefined));
    expect(await invoke()).toMatchObject({ status: 401, body: JSON.stringify({ message: "unauthorised" }) });
    const session = await createSession();
    const refused = await invoke(`sAccessToken=${session.getAllSessionTokensDangerously().accessToken}`);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toStrictEqual(INVALID_CLAIM_BODY);
    await session.setClaimValue(SecondFactorClaim, true);
    expect(await invoke(`sAccessToken=${session.getAllSessionTokensDangerously().accessToken}`)).toMatchObject({ status: 200, body: "" });
  });
});

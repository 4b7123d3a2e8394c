/**
 * An app's own `getMFARequirementsForAuth` (issue 3; protocol 5.2, 5.3, 4.5): the override, written
 * with arrow functions and object spread as the seed writes overrides, decides `st-mfa.v` at
 * sign-in, after each factor, and in `PUT /auth/mfa/info`'s `next`; the global validator answers
 * 403 while it is unmet. Factors: TOTP (codes computed from the secret) and recovery codes, over
 * real HTTP on loopback, on the injected clock.
 */
import type { Express, Response } from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionRequest } from "../../src/framework/express/index.js";
import EmailPassword from "../../src/recipe/emailpassword/index.js";
import MultiFactorAuth, { type MFARequirementList, type MultiFactorAuthConfig, type RecipeInterface } from "../../src/recipe/multifactorauth/index.js";
import RecoveryCodes from "../../src/recipe/recoverycodes/index.js";
import { verifySession } from "../../src/recipe/session/framework/express.js";
import Session from "../../src/recipe/session/index.js";
import TOTP from "../../src/recipe/totp/index.js";
import { Client, startTestApp, type TestApp } from "../helpers/app.js";
import { codeFor, form, freshEmail, MFA_NOT_SATISFIED, mfaOf, PASSWORD, T0_MS } from "./helpers.js";

/** The global `st-mfa` validator's 403 while the requirements are unmet (as mfa.api.test.ts asserts it). */
const MFA_403 = { message: "invalid claim", claimValidationErrors: [MFA_NOT_SATISFIED] };

interface RequirementsApp {
  readonly url: string;
  readonly clock: TestApp["clock"];
  /** How many times the guarded route's handler ran. */
  readonly hits: { guarded: number };
}

/**
 * One app for the enclosing `describe`: Session, EmailPassword, MultiFactorAuth with the given
 * `override.functions` (and any other config given), TOTP and RecoveryCodes, plus `POST /guarded` behind a plain
 * `verifySession()` (the global validators, so st-mfa).
 */
function requirementsApp(functions: (original: RecipeInterface) => RecipeInterface, config: Omit<MultiFactorAuthConfig, "override" | "firstFactors"> = {}): RequirementsApp {
  let app: TestApp | undefined;
  const hits = { guarded: 0 };
  beforeAll(async () => {
    app = await startTestApp({
      recipeList: [
        Session.init(),
        EmailPassword.init({ emailDelivery: { sendEmail: async () => {} } }),
        MultiFactorAuth.init({ ...config, firstFactors: ["emailpassword"], override: { functions } }),
        TOTP.init(),
        RecoveryCodes.init(),
      ],
      routes: (express: Express) => {
        express.post("/guarded", verifySession(), (req: SessionRequest, res: Response) => {
          hits.guarded++;
          res.json({ status: "OK", userId: req.session!.getUserId() });
        });
      },
    });
  });
  afterAll(async () => app?.close());
  const current = () => {
    if (!app) throw new Error("the requirements app is not started");
    return app;
  };
  return {
    get url() {
      return current().url;
    },
    get clock() {
      return current().clock;
    },
    hits,
  };
}

const mfa = (c: Client) => mfaOf(c.frontPayload());

async function signUp(c: Client, email: string): Promise<string> {
  const reply = await c.request("POST", "/auth/signup", { body: form({ email, password: PASSWORD }) });
  expect(reply.body?.status, JSON.stringify(reply.body)).toBe("OK");
  return (reply.body?.user as { id: string }).id;
}

async function signIn(app: RequirementsApp, email: string): Promise<Client> {
  const c = new Client(app.url, "cookie");
  const reply = await c.request("POST", "/auth/signin", { body: form({ email, password: PASSWORD }) });
  expect(reply.body?.status, JSON.stringify(reply.body)).toBe("OK");
  return c;
}

/** `PUT /auth/mfa/info`'s `factors.next`. */
async function next(c: Client): Promise<string[]> {
  const reply = await c.request("PUT", "/auth/mfa/info");
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return (reply.body?.factors as { next: string[] }).next;
}

/** Verifies the TOTP code of a step no earlier call used; answers the reply (the session's st-mfa is then in the client). */
async function completeTotp(app: RequirementsApp, c: Client, secret: string) {
  app.clock.advance(30_000);
  const reply = await c.request("POST", "/auth/totp/verify", { body: { totp: codeFor(secret, app.clock.now()) } });
  expect(reply.body, JSON.stringify(reply.body)).toEqual({ status: "OK" });
  expect(reply.headers.get("front-token")).not.toBeNull();
  return reply;
}

async function useRecoveryCode(c: Client, code: string) {
  const reply = await c.request("POST", "/auth/recovery-codes/verify", { body: { code } });
  expect(reply.body?.status, JSON.stringify(reply.body)).toBe("OK");
  expect(reply.headers.get("front-token")).not.toBeNull();
  return reply;
}

async function guarded(c: Client) {
  return c.request("POST", "/guarded");
}

/** Signs up through the API and verifies a TOTP device in that session; returns the secret. */
async function userWithTotp(app: RequirementsApp): Promise<{ email: string; userId: string; secret: string; enrolment: Client }> {
  const enrolment = new Client(app.url, "cookie");
  const email = freshEmail("req");
  const userId = await signUp(enrolment, email);
  const created = await enrolment.request("POST", "/auth/totp/device", { body: { deviceName: "phone" } });
  expect(created.body?.status, JSON.stringify(created.body)).toBe("OK");
  const secret = created.body?.secret as string;
  const verified = await enrolment.request("POST", "/auth/totp/device/verify", { body: { deviceName: "phone", totp: codeFor(secret, app.clock.now()) } });
  expect(verified.body).toEqual({ status: "OK", wasAlreadyVerified: false });
  return { email, userId, secret, enrolment };
}

/**
 * A user with a verified TOTP device and a set of recovery codes. The codes come from the module
 * function: under a list that needs both factors, the enrolment session has not completed MFA
 * yet, and `POST /recovery-codes` rightly needs that.
 */
async function userWithBoth(app: RequirementsApp): Promise<{ email: string; userId: string; secret: string; codes: string[] }> {
  const user = await userWithTotp(app);
  const { codes } = await RecoveryCodes.createRecoveryCodes(user.userId);
  expect(codes).toHaveLength(10);
  return { ...user, codes };
}

describe("getMFARequirementsForAuth overridden to [{ allOfInAnyOrder: [totp, recovery-code] }]", () => {
  const app = requirementsApp((original) => ({
    ...original,
    getMFARequirementsForAuth: () => [{ allOfInAnyOrder: ["totp", "recovery-code"] }],
  }));
  let user: Awaited<ReturnType<typeof userWithBoth>>;

  it("leaves a new user's session unverified after sign-up and after enrolling TOTP alone", async () => {
    app.clock.set(T0_MS);
    const c = new Client(app.url, "cookie");
    const email = freshEmail("allof-new");
    await signUp(c, email);
    expect(mfa(c)).toEqual({ c: { emailpassword: expect.any(Number) }, v: false });
    expect(await next(c)).toEqual(["totp", "recovery-code"]);
    const created = await c.request("POST", "/auth/totp/device", { body: { deviceName: "phone" } });
    const secret = created.body?.secret as string;
    const verified = await c.request("POST", "/auth/totp/device/verify", { body: { deviceName: "phone", totp: codeFor(secret, app.clock.now()) } });
    expect(verified.body).toEqual({ status: "OK", wasAlreadyVerified: false });
    expect(mfa(c)?.v).toBe(false);
    expect(Object.keys(mfa(c)?.c ?? {}).sort()).toEqual(["emailpassword", "totp"]);
    expect(await next(c)).toEqual(["recovery-code"]);
  });

  it("signs a user with both factors in with v false, next listing both, and the guarded route answering 403", async () => {
    app.clock.set(T0_MS + 10 * 60_000);
    user = await userWithBoth(app);
    app.clock.advance(60_000);
    const c = await signIn(app, user.email);
    expect(mfa(c)?.v).toBe(false);
    expect(await next(c)).toEqual(["totp", "recovery-code"]);
    const before = app.hits.guarded;
    const refused = await guarded(c);
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual(MFA_403);
    expect(app.hits.guarded).toBe(before);
  });

  it("totp then a recovery code: v stays false after totp, next names the code, and v is true after it", async () => {
    const c = await signIn(app, user.email);
    await completeTotp(app, c, user.secret);
    expect(mfa(c)?.v).toBe(false);
    expect(await next(c)).toEqual(["recovery-code"]);
    expect((await guarded(c)).body).toEqual(MFA_403);

    await useRecoveryCode(c, user.codes[0] as string);
    expect(mfa(c)?.v).toBe(true);
    expect(Object.keys(mfa(c)?.c ?? {}).sort()).toEqual(["emailpassword", "recovery-code", "totp"]);
    expect(await next(c)).toEqual([]);
    expect(await guarded(c)).toMatchObject({ status: 200, body: { status: "OK", userId: user.userId } });
  });

  it("a recovery code then totp: v stays false after the code, next names totp, and v is true after it", async () => {
    const c = await signIn(app, user.email);
    await useRecoveryCode(c, user.codes[1] as string);
    expect(mfa(c)?.v).toBe(false);
    expect(await next(c)).toEqual(["totp"]);
    expect((await guarded(c)).body).toEqual(MFA_403);

    await completeTotp(app, c, user.secret);
    expect(mfa(c)?.v).toBe(true);
    expect(await next(c)).toEqual([]);
    expect((await guarded(c)).status).toBe(200);
  });

  it("still needs both after a refresh of a half-done session (v is carried, not recomputed to true)", async () => {
    const c = await signIn(app, user.email);
    await completeTotp(app, c, user.secret);
    expect((await c.refresh()).status).toBe(200);
    expect(mfa(c)?.v).toBe(false);
    expect((await guarded(c)).body).toEqual(MFA_403);
  });
});

describe("getMFARequirementsForAuth overridden to [{ oneOf: [totp, recovery-code] }]", () => {
  const app = requirementsApp((original) => ({
    ...original,
    getMFARequirementsForAuth: () => [{ oneOf: ["totp", "recovery-code"] }],
  }));
  let user: Awaited<ReturnType<typeof userWithBoth>>;

  it("signs in with v false and next listing both alternatives", async () => {
    app.clock.set(T0_MS);
    user = await userWithBoth(app);
    app.clock.advance(60_000);
    const c = await signIn(app, user.email);
    expect(mfa(c)?.v).toBe(false);
    expect(await next(c)).toEqual(["totp", "recovery-code"]);
    expect((await guarded(c)).body).toEqual(MFA_403);
  });

  it("is satisfied by a recovery code alone", async () => {
    const c = await signIn(app, user.email);
    await useRecoveryCode(c, user.codes[0] as string);
    expect(mfa(c)?.v).toBe(true);
    expect(await next(c)).toEqual([]);
    expect((await guarded(c)).status).toBe(200);
  });

  it("is satisfied by totp alone", async () => {
    const c = await signIn(app, user.email);
    await completeTotp(app, c, user.secret);
    expect(mfa(c)?.v).toBe(true);
    expect(Object.keys(mfa(c)?.c ?? {}).sort()).toEqual(["emailpassword", "totp"]);
    expect((await guarded(c)).status).toBe(200);
  });

  it("lists in next only the alternative a user has set up, once they have one (protocol 4.5)", async () => {
    app.clock.advance(60_000);
    const { email } = await userWithTotp(app);
    app.clock.advance(60_000);
    const c = await signIn(app, email);
    expect(mfa(c)?.v).toBe(false);
    expect(await next(c)).toEqual(["totp"]);
  });
});

describe("getMFARequirementsForAuth overridden to plain factor ids [totp, recovery-code]", () => {
  const app = requirementsApp((original) => ({
    ...original,
    getMFARequirementsForAuth: () => ["totp", "recovery-code"],
  }));
  let user: Awaited<ReturnType<typeof userWithBoth>>;

  it("names only the first unmet id in next at sign-in", async () => {
    app.clock.set(T0_MS);
    user = await userWithBoth(app);
    app.clock.advance(60_000);
    const c = await signIn(app, user.email);
    expect(mfa(c)?.v).toBe(false);
    expect(await next(c)).toEqual(["totp"]);
  });

  it("needs every id: after the recovery code alone, v is false and next is still totp", async () => {
    const c = await signIn(app, user.email);
    await useRecoveryCode(c, user.codes[0] as string);
    expect(mfa(c)?.v).toBe(false);
    expect(await next(c)).toEqual(["totp"]);
    expect((await guarded(c)).body).toEqual(MFA_403);
    await completeTotp(app, c, user.secret);
    expect(mfa(c)?.v).toBe(true);
    expect((await guarded(c)).status).toBe(200);
  });

  it("after totp alone, v is false and next moves on to the recovery code", async () => {
    const c = await signIn(app, user.email);
    await completeTotp(app, c, user.secret);
    expect(mfa(c)?.v).toBe(false);
    expect(await next(c)).toEqual(["recovery-code"]);
    await useRecoveryCode(c, user.codes[1] as string);
    expect(mfa(c)?.v).toBe(true);
  });
});

describe("getMFARequirementsForAuth overridden to [], over a policy that would require totp", () => {
  // Without the override, requiredSecondaryFactors would make every session need totp.
  const app = requirementsApp(
    (original) => ({
      ...original,
      getMFARequirementsForAuth: () => [],
    }),
    { requiredSecondaryFactors: ["totp"] },
  );

  it("needs no second factor: v is true at sign-in even for a user with TOTP and codes, and the guarded route answers", async () => {
    app.clock.set(T0_MS);
    const user = await userWithBoth(app);
    app.clock.advance(60_000);
    const c = await signIn(app, user.email);
    expect(mfa(c)).toEqual({ c: { emailpassword: expect.any(Number) }, v: true });
    expect(await next(c)).toEqual([]);
    expect(await guarded(c)).toMatchObject({ status: 200, body: { status: "OK", userId: user.userId } });
  });

  it("gives v true at sign-up too", async () => {
    const c = new Client(app.url, "cookie");
    await signUp(c, freshEmail("empty"));
    expect(mfa(c)?.v).toBe(true);
    expect((await guarded(c)).status).toBe(200);
  });
});

describe("an async getMFARequirementsForAuth that reads its lazy inputs", () => {
  const seen: { userId: string; tenantId: string; completed: string[] }[] = [];
  // Users who have recovery codes must use both factors; everyone else one TOTP code.
  const app = requirementsApp((original) => ({
    ...original,
    getMFARequirementsForAuth: async (input) => {
      seen.push({ userId: input.userId, tenantId: input.tenantId, completed: Object.keys(input.completedFactors).sort() });
      const setUp = await input.factorsSetUpForUser();
      const list: MFARequirementList = setUp.includes("recovery-code") ? [{ allOfInAnyOrder: ["totp", "recovery-code"] }] : ["totp"];
      return list;
    },
  }));

  it("is awaited: a user with TOTP only needs totp, and is verified after it", async () => {
    app.clock.set(T0_MS);
    const { email, userId, secret } = await userWithTotp(app);
    app.clock.advance(60_000);
    seen.length = 0;
    const c = await signIn(app, email);
    expect(mfa(c)?.v).toBe(false);
    expect(seen[0]).toEqual({ userId, tenantId: "public", completed: ["emailpassword"] });
    expect(await next(c)).toEqual(["totp"]);
    expect((await guarded(c)).body).toEqual(MFA_403);
    await completeTotp(app, c, secret);
    expect(seen.at(-1)).toEqual({ userId, tenantId: "public", completed: ["emailpassword", "totp"] });
    expect(mfa(c)?.v).toBe(true);
    expect((await guarded(c)).status).toBe(200);
  });

  it("is awaited: a user with codes as well needs both, in either order", async () => {
    app.clock.advance(60_000);
    const user = await userWithBoth(app);
    app.clock.advance(60_000);
    const c = await signIn(app, user.email);
    await completeTotp(app, c, user.secret);
    expect(mfa(c)?.v).toBe(false);
    expect(await next(c)).toEqual(["recovery-code"]);
    await useRecoveryCode(c, user.codes[0] as string);
    expect(mfa(c)?.v).toBe(true);
    expect((await guarded(c)).status).toBe(200);
  });
});

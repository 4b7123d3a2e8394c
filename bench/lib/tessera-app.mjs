// The demo's tessera configuration (apps/demo/server.mjs), shared by every bench process that
// runs tessera: the servers, the fixture seeding, the statement counter and the micro-benchmark.
// Same recipes, same MFA override, same seed route; only the database and the master key are
// fixed so that the cached databases under bench/.data/ can be reopened by any process.
import tessera from "tessera";
import Session from "tessera/recipe/session";
import EmailPassword from "tessera/recipe/emailpassword";
import MultiFactorAuth, { MultiFactorAuthClaim } from "tessera/recipe/multifactorauth";
import TOTP from "tessera/recipe/totp";
import { BooleanClaim } from "tessera/recipe/session/claims";

export const BENCH_MASTER_KEY = Buffer.alloc(32, 7).toString("base64");
export const PASSWORD = "correct-horse-battery-9";

// The seed's claim: false until the second factor succeeds.
export const SecondFactorClaim = new BooleanClaim({ key: "2fa-completed", fetchValue: () => false });
export const withSecondFactor = (globalValidators) => [...globalValidators, SecondFactorClaim.validators.hasValue(true)];

/**
 * @param {object} o
 * @param {string|object} o.database  "sqlite:<file>" or a Storage object
 * @param {string} [o.framework]
 * @param {number} [o.verifiedTokenCacheSize]  passed through when set (ignored by builds without the option)
 */
export function initTessera({ database, framework = "express", origin = "http://127.0.0.1:3000", verifiedTokenCacheSize }) {
  const sessionConfig = { accessTokenValidity: 3600 };
  if (verifiedTokenCacheSize !== undefined) sessionConfig.verifiedTokenCacheSize = verifiedTokenCacheSize;
  tessera.init({
    framework,
    appInfo: { appName: "Tessera bench", apiDomain: origin, websiteDomain: origin, apiBasePath: "/auth", websiteBasePath: "/auth" },
    database,
    masterKey: BENCH_MASTER_KEY,
    recipeList: [
      Session.init(sessionConfig),
      EmailPassword.init({ emailDelivery: { sendEmail: async () => {} } }),
      MultiFactorAuth.init({
        firstFactors: ["emailpassword"],
        requiredSecondaryFactors: ["totp"],
        override: {
          functions: (original) => ({
            ...original,
            markFactorAsCompleteInSession: async (input) => {
              await original.markFactorAsCompleteInSession(input);
              if (input.factorId === "totp") await input.session.setClaimValue(SecondFactorClaim, true, input.userContext);
            },
          }),
        },
      }),
      TOTP.init(),
    ],
  });
}

/** The user payload of a session that has passed email+password and TOTP, as the demo's flow leaves it. */
export function completedPayload(atMs = Date.now()) {
  const s = Math.floor(atMs / 1000);
  let payload = MultiFactorAuthClaim.addToPayload_internal({}, { c: { emailpassword: s, totp: s }, v: true }, {});
  payload = SecondFactorClaim.addToPayload_internal(payload, true, {});
  return payload;
}

/** The demo's Express app: tessera's middleware, the seed's route (as GET /protected and POST /like-comment), checkDatabase variant, error handler. */
export async function createExpressApp() {
  const express = (await import("express")).default;
  const { errorHandler, middleware } = await import("tessera/framework/express");
  const { verifySession } = await import("tessera/recipe/session/framework/express");
  const app = express();
  app.disable("x-powered-by");
  app.use(middleware());
  const liked = (req, res) => res.json({ status: "OK", message: "Comment liked", userId: req.session.getUserId() });
  const guard = verifySession({ overrideGlobalClaimValidators: withSecondFactor });
  const guardDb = verifySession({ checkDatabase: true, overrideGlobalClaimValidators: withSecondFactor });
  app.get("/protected", guard, liked);
  app.post("/like-comment", guard, liked);
  app.get("/protected-db", guardDb, liked);
  app.get("/hello", (_req, res) => res.json({ hello: "world" }));
  app.use(errorHandler());
  app.use((error, _req, res, _next) => {
    console.error(error);
    res.status(500).json({ message: "Internal error" });
  });
  return app;
}

export { tessera, Session, EmailPassword, MultiFactorAuth, TOTP };

/**
 * The seed's route on Fastify. With `tessera/framework/fastify` (SuperTokens-shaped: `plugin`,
 * `errorHandler`, `verifySession` as a preHandler) the adapter is used; without it, a route reads
 * the bearer token and calls `Session.getSessionWithoutRequestResponse` (the documented way to
 * verify outside a supported framework). Returns { app, mode }.
 */
export async function createFastifyApp() {
  const Fastify = (await import("fastify")).default;
  const app = Fastify({ logger: false });
  const adapter = await loadFastifyAdapter();
  const liked = (session) => ({ status: "OK", message: "Comment liked", userId: session.getUserId() });
  app.get("/hello", async () => ({ hello: "world" }));
  if (adapter) {
    await app.register(adapter.plugin);
    if (adapter.errorHandler) app.setErrorHandler(adapter.errorHandler());
    const guard = adapter.verifySession({ overrideGlobalClaimValidators: withSecondFactor });
    const guardDb = adapter.verifySession({ checkDatabase: true, overrideGlobalClaimValidators: withSecondFactor });
    app.get("/protected", { preHandler: guard }, async (req) => liked(req.session));
    app.post("/like-comment", { preHandler: guard }, async (req) => liked(req.session));
    app.get("/protected-db", { preHandler: guardDb }, async (req) => liked(req.session));
    return { app, mode: "adapter tessera/framework/fastify" };
  }
  const verify = (checkDatabase) => async (req, reply) => {
    const auth = req.headers.authorization;
    const token = typeof auth === "string" && auth.startsWith("Bearer ") ? auth.slice(7) : undefined;
    try {
      const session = await Session.getSessionWithoutRequestResponse(token, undefined, { antiCsrfCheck: false, checkDatabase, overrideGlobalClaimValidators: withSecondFactor });
      return liked(session);
    } catch (error) {
      if (error instanceof Session.Error) {
        reply.code(error.type === "INVALID_CLAIMS" ? 403 : 401);
        return { message: error.type === "INVALID_CLAIMS" ? "invalid claim" : "unauthorised" };
      }
      throw error;
    }
  };
  app.get("/protected", verify(false));
  app.post("/like-comment", verify(false));
  app.get("/protected-db", verify(true));
  return { app, mode: "fallback: getSessionWithoutRequestResponse (no tessera/framework/fastify)" };
}

async function loadFastifyAdapter() {
  let framework;
  try {
    framework = await import("tessera/framework/fastify");
  } catch {
    return undefined;
  }
  let verifySession = framework.verifySession;
  if (typeof verifySession !== "function") {
    try {
      verifySession = (await import("tessera/recipe/session/framework/fastify")).verifySession;
    } catch {
      verifySession = undefined;
    }
  }
  const plugin = framework.plugin ?? framework.default?.plugin;
  if (typeof plugin !== "function" || typeof verifySession !== "function") {
    console.error("bench: tessera/framework/fastify exists but does not export plugin + verifySession; using the fallback route");
    return undefined;
  }
  return { plugin, verifySession, errorHandler: typeof framework.errorHandler === "function" ? framework.errorHandler : undefined };
}

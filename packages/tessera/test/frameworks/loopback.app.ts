/**
 * The conformance routes as a LoopBack 4 application, in the seed sample's pattern (a controller
 * with `@inject(RestBindings.Http.CONTEXT)`, `@post`/`@get`, `@intercept(verifySession(...))`,
 * `@response(200)`). Compiled with decorators by loopback.transpile.ts; tessera's values are passed
 * in (`TesseraForApp`) so the app runs on the instance the test initialised.
 */
import { inject, intercept } from "@loopback/core";
import { get, MiddlewareContext, post, requestBody, response, RestApplication, RestBindings } from "@loopback/rest";
import type { middleware as Middleware, SessionContext } from "../../src/framework/loopback/index.js";
import type { verifySession as VerifySession } from "../../src/recipe/session/framework/loopback.js";
import type SessionModule from "../../src/recipe/session/index.js";
import type { BooleanClaim } from "../../src/recipe/session/claims/index.js";

export interface TesseraForApp {
  middleware: typeof Middleware;
  verifySession: typeof VerifySession;
  Session: typeof SessionModule;
  SecondFactorClaim: BooleanClaim;
}

export async function startLoopbackApp({ middleware, verifySession, Session, SecondFactorClaim }: TesseraForApp) {
  class ConformanceController {
    constructor(@inject(RestBindings.Http.CONTEXT) private ctx: MiddlewareContext) {}

    @post("/login")
    @response(200)
    async login(@requestBody() body: { userId: string }) {
      // The framework's own objects: the request context, as LoopBack apps hold it.
      const session = await Session.createNewSession(this.ctx, this.ctx, "public", String(body.userId));
      return { handle: session.getHandle() };
    }

    @post("/like-comment")
    @intercept(
      verifySession({
        overrideGlobalClaimValidators: (globalValidators) => [...globalValidators, SecondFactorClaim.validators.hasValue(true)],
      }),
    )
    @response(200)
    likeComment() {
      return { userId: (this.ctx as SessionContext).session!.getUserId() };
    }

    @post("/complete")
    @intercept(verifySession())
    @response(200)
    async complete() {
      await (this.ctx as SessionContext).session!.setClaimValue(SecondFactorClaim, true);
      return {};
    }

    @get("/optional")
    @intercept(verifySession({ sessionRequired: false }))
    @response(200)
    optional() {
      return { userId: (this.ctx as SessionContext).session?.getUserId() ?? null };
    }

    @get("/protected")
    @intercept(verifySession())
    @response(200)
    protectedRoute() {
      return { userId: (this.ctx as SessionContext).session!.getUserId() };
    }
  }

  const app = new RestApplication({ rest: { port: 0, host: "127.0.0.1" } });
  app.middleware(middleware);
  app.controller(ConformanceController);
  await app.start();
  return {
    url: app.restServer.url!.replace(/\/$/, ""),
    close: () => app.stop(),
  };
}

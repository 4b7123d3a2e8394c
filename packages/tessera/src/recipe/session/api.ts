/** The default APIInterface of the session recipe: refresh, sign-out, and the verifySession entry point. */
import { asyncWithNow } from "../../core/maybe-promise.js";
import type { APIInterface } from "./types.js";
import { getSessionFromRequest, refreshSessionInRequest, type RequestContext } from "./request.js";

export function makeDefaultAPIs(context: () => RequestContext): APIInterface {
  return {
    refreshPOST: async ({ options, userContext }) => refreshSessionInRequest(context(), options.req, options.res, userContext),

    signOutPOST: async ({ session, userContext }) => {
      await session.revokeSession(userContext);
      return { status: "OK" };
    },

    // Answers at once on a verify that needs no I/O (see core/maybe-promise.ts).
    verifySession: asyncWithNow(({ verifySessionOptions, options, userContext }) => {
      const method = options.req.method;
      // Preflight and trace requests carry no credentials by design: never a session, never an error.
      if (method === "OPTIONS" || method === "TRACE") return undefined;
      if (method === "POST" && options.req.path === options.config.refreshTokenPath) {
        return refreshSessionInRequest(context(), options.req, options.res, userContext);
      }
      return getSessionFromRequest(context(), options.req, options.res, verifySessionOptions, userContext);
    }),
  };
}

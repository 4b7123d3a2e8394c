/**
 * The route builder of the factor recipes (TOTP, recovery codes, …): each of their endpoints needs
 * a session (its claims are not checked — a user who has not finished MFA must reach them), then
 * the API the app may have overridden or switched off (404), whose result is the body sent.
 */
import { SessionError } from "../../core/errors.js";
import type { HttpRequest, HttpResponse } from "../../core/http.js";
import type { Route, UserContext } from "../../core/recipe.js";
import { getSessionRecipe } from "./recipe.js";
import { getSessionFromRequest } from "./request.js";
import type { SessionContainer } from "./types.js";

/**
 * How the factor endpoints read their session: claims unchecked (a user mid-MFA must reach them),
 * and always against the database. They add, verify and remove credentials, so a session revoked
 * by sign-out must stop at once, not when its access token expires: otherwise an access token
 * copied before sign-out could enrol the copier's authenticator. They are not on the hot path;
 * the check is one primary-key read.
 */
export const FACTOR_ROUTE_SESSION = { sessionRequired: true, overrideGlobalClaimValidators: () => [], checkDatabase: true } as const;

export interface SessionRouteBase<Options> {
  options: Options;
  session: SessionContainer;
  userContext: UserContext;
}

/** Returns `route(method, path, apiName, call)` bound to one recipe's APIs and options. */
export function sessionRouteBuilder<APIs extends object, Options>(
  apiImplementation: APIs,
  makeOptions: (req: HttpRequest, res: HttpResponse) => Options,
) {
  return <K extends keyof APIs>(
    method: Route["method"],
    path: string,
    api: K,
    call: (fn: NonNullable<APIs[K]>, base: SessionRouteBase<Options>, req: HttpRequest) => Promise<unknown>,
  ): Route => ({
    method,
    path,
    handle: async ({ req, res, userContext }: { req: HttpRequest; res: HttpResponse; userContext: UserContext }) => {
      const fn = apiImplementation[api];
      if (fn === undefined) {
        res.setStatus(404);
        return res.sendJSON({ message: "Not found" });
      }
      const session = await getSessionFromRequest(getSessionRecipe().context, req, res, FACTOR_ROUTE_SESSION, userContext);
      if (!session) throw SessionError.unauthorised("Session does not exist", false);
      res.sendJSON(await call(fn as NonNullable<APIs[K]>, { options: makeOptions(req, res), session, userContext }, req));
    },
  });
}

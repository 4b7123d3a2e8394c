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
      const session = await getSessionFromRequest(getSessionRecipe().context, req, res, { sessionRequired: true, overrideGlobalClaimValidators: () => [] }, userContext);
      if (!session) throw SessionError.unauthorised("Session does not exist", false);
      res.sendJSON(await call(fn as NonNullable<APIs[K]>, { options: makeOptions(req, res), session, userContext }, req));
    },
  });
}

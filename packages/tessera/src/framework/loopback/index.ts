/**
 * `tessera/framework/loopback`: the LoopBack 4 adapter. LoopBack's request and response are
 * Express objects, so they are wrapped by the Express adapter's converters; this file only finds
 * them on LoopBack's contexts and forwards. No auth logic here.
 *
 * @example
 * import { middleware } from "tessera/framework/loopback";
 * app.middleware(middleware); // serves {apiBasePath}/... and answers tessera's errors (401/403)
 * // in a controller: @intercept(verifySession()) from "tessera/recipe/session/framework/loopback"
 */
import type { Interceptor } from "@loopback/core";
import { RestBindings, type Middleware, type MiddlewareContext } from "@loopback/rest";
import { NEUTRAL, registerFrameworkWrapper, type HttpRequest, type HttpResponse } from "../../core/http.js";
import { handleAPIRequest, handleError, makeDefaultUserContext } from "../../core/router.js";
import { verifySessionInRequest, type SessionContainer, type VerifySessionOptions } from "../../recipe/session/index.js";
import { wrapRequest as wrapExpressRequest, wrapResponse as wrapExpressResponse } from "../express/index.js";

/** LoopBack's request context after `verifySession`: `session` is the verified session (undefined only with `sessionRequired: false`). */
export interface SessionContext extends MiddlewareContext {
  session?: SessionContainer;
}

const isContext = (value: unknown): value is MiddlewareContext =>
  typeof value === "object" && value !== null && "request" in value && "response" in value && typeof (value as { getBinding?: unknown }).getBinding === "function";

function wrap(ctx: MiddlewareContext): { request: HttpRequest; response: HttpResponse } {
  const request = wrapExpressRequest(ctx.request as never);
  const response = wrapExpressResponse(ctx.response as never);
  // Session.createNewSession(ctx, ctx, ...) finds both halves under the one stash key.
  if (!(NEUTRAL in ctx)) Object.defineProperty(ctx, NEUTRAL, { value: both(ctx, request, response), configurable: true });
  return { request, response };
}

/** One object that is both halves, delegating to each (their methods live on their classes, which a spread would not copy). */
function both(ctx: MiddlewareContext, request: HttpRequest, response: HttpResponse): HttpRequest & HttpResponse {
  return {
    setStatus: (status) => response.setStatus(status),
    setHeader: (name, value, append) => response.setHeader(name, value, append),
    removeHeader: (name) => response.removeHeader(name),
    setCookie: (cookie) => response.setCookie(cookie),
    sendJSON: (body) => response.sendJSON(body),
    isSent: () => response.isSent(),
    method: request.method,
    path: request.path,
    get query() {
      return request.query;
    },
    remoteAddress: request.remoteAddress,
    getHeader: (name) => request.getHeader(name),
    getCookieValues: (name) => request.getCookieValues(name),
    getJSONBody: () => request.getJSONBody(),
    original: ctx,
  };
}

registerFrameworkWrapper("loopback", {
  wrapRequest: (native) => (isContext(native) ? wrap(native).request : wrapExpressRequest(native as never)),
  wrapResponse: (native) => (isContext(native) ? wrap(native).response : wrapExpressResponse(native as never)),
});

/**
 * Middleware for the REST sequence (`app.middleware(middleware)`): serves tessera's endpoints
 * under `apiBasePath`, passes every other request on, and answers tessera's errors thrown further
 * down (e.g. by `Session.getSession` in a controller); other errors go on to LoopBack.
 */
export const middleware: Middleware = async (ctx, next) => {
  const { request, response } = wrap(ctx);
  try {
    if (await handleAPIRequest(request, response)) return undefined;
    return await next();
  } catch (error) {
    if (await handleError(error, request, response)) return undefined;
    throw error;
  }
};

/**
 * An interceptor for `@intercept(verifySession(options))`: verifies the session (and its claims)
 * and puts it on the request context (`SessionContext.session`); answers 401/403 itself, in which
 * case the controller method does not run (LoopBack writes nothing over a sent response).
 */
export function verifySession(options?: VerifySessionOptions): Interceptor {
  return async (invocationContext, next) => {
    const ctx = await invocationContext.get<SessionContext>(RestBindings.Http.CONTEXT);
    const { request, response } = wrap(ctx);
    const userContext = makeDefaultUserContext(request);
    try {
      ctx.session = await verifySessionInRequest(request, response, options, userContext);
    } catch (error) {
      if (await handleError(error, request, response, userContext)) return undefined;
      throw error;
    }
    return next();
  };
}

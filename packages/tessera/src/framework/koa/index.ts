/**
 * `tessera/framework/koa`: the Koa adapter. It wraps Koa's context in the core's neutral request
 * and response and forwards; all auth logic lives in the core and the recipes.
 *
 * Module functions take the context twice: `Session.createNewSession(ctx, ctx, "public", userId)`,
 * with `tessera.init({ framework: "koa", … })`.
 *
 * @example
 * import { middleware } from "tessera/framework/koa";
 * app.use(middleware()); // serves {apiBasePath}/...; errors thrown by later middleware become 401/403
 * app.use(router.routes());
 */
import type { Context, Next, ParameterizedContext } from "koa";
import {
  appendHeaderValue,
  NEUTRAL,
  parseCookieHeader,
  parseJSONBody,
  readBodyText,
  registerFrameworkWrapper,
  serializeCookie,
  upsertSetCookie,
  type HttpRequest,
  type HttpResponse,
} from "../../core/http.js";
import { handleAPIRequest, handleError, makeDefaultUserContext } from "../../core/router.js";
import { verifySessionInRequest, type SessionContainer, type VerifySessionOptions } from "../../recipe/session/index.js";

/** A Koa context after `verifySession`: `ctx.session` is the verified session (undefined only with `sessionRequired: false`). */
export interface SessionContext extends Context {
  session?: SessionContainer;
}

// The context is both halves, so each wrapper is stashed on its own half (ctx.request, ctx.response).
type Stashed<T> = { [NEUTRAL]?: T };
type AnyContext = ParameterizedContext<unknown, object, unknown>;

/** Accepts the context, or its `ctx.request` / `ctx.response` (both carry `.ctx`). */
const contextOf = (native: AnyContext | { ctx: AnyContext }): AnyContext => ("ctx" in native && typeof native.ctx === "object" ? native.ctx : (native as AnyContext));

/** The Koa context (or `ctx.request`) as the core's neutral request (cached on `ctx.request`). */
export function wrapRequest(ctx: AnyContext): HttpRequest {
  const stash = ctx.request as Stashed<HttpRequest>;
  if (stash[NEUTRAL]) return stash[NEUTRAL];
  const raw = ctx.req;
  const url = new URL(ctx.originalUrl || ctx.url, "http://localhost");
  let cookies: Map<string, string[]> | undefined;
  let body: Promise<unknown> | undefined;
  const wrapped: HttpRequest = {
    method: ctx.method.toUpperCase(),
    path: url.pathname,
    query: url.searchParams,
    getHeader: (name) => raw.headersDistinct[name.toLowerCase()]?.join(", "),
    getCookieValues: (name) => (cookies ??= parseCookieHeader(raw.headers.cookie)).get(name) ?? [],
    getJSONBody: () =>
      (body ??= (async () => {
        // A body parser that ran before us (koa-bodyparser, @koa/bodyparser) leaves it on ctx.request.body.
        const parsed = (ctx.request as { body?: unknown }).body;
        if (typeof parsed === "string") return parseJSONBody(parsed);
        if (Buffer.isBuffer(parsed)) return parseJSONBody(parsed.toString("utf8"));
        if (parsed !== undefined && parsed !== null) return parsed;
        if (raw.readableEnded) return {};
        return parseJSONBody(await readBodyText(raw));
      })()),
    remoteAddress: ctx.req.socket?.remoteAddress,
    original: ctx,
  };
  stash[NEUTRAL] = wrapped;
  return wrapped;
}

/** The Koa context (or `ctx.response`) as the core's neutral response (cached on `ctx.response`). */
export function wrapResponse(ctx: AnyContext): HttpResponse {
  const stash = ctx.response as Stashed<HttpResponse>;
  if (stash[NEUTRAL]) return stash[NEUTRAL];
  let status = 200;
  let sent = false;
  const isSent = () => sent || ctx.headerSent || ctx.res.writableEnded;
  const wrapped: HttpResponse = {
    setStatus: (code) => {
      status = code;
    },
    setHeader: (name, value, append = false) => {
      if (isSent()) return;
      // Koa 2 answers "" for a header that is not set, Koa 3 undefined.
      const current: unknown = ctx.response.get(name);
      const existing = current === undefined || current === null || current === "" ? undefined : Array.isArray(current) ? current.join(", ") : String(current);
      ctx.set(name, append ? appendHeaderValue(existing, value) : value);
    },
    removeHeader: (name) => {
      if (!isSent()) ctx.remove(name);
    },
    setCookie: (cookie) => {
      if (isSent()) return;
      const current = ctx.response.get("Set-Cookie") as unknown;
      const list = current === undefined || current === "" ? [] : Array.isArray(current) ? current.map(String) : [String(current)];
      ctx.set("Set-Cookie", upsertSetCookie(list, serializeCookie(cookie)));
    },
    sendJSON: (body) => {
      if (isSent()) return;
      sent = true;
      ctx.status = status;
      ctx.set("Content-Type", "application/json; charset=utf-8");
      ctx.body = JSON.stringify(body);
    },
    isSent,
    original: ctx,
  };
  stash[NEUTRAL] = wrapped;
  return wrapped;
}

registerFrameworkWrapper("koa", {
  wrapRequest: (native) => wrapRequest(contextOf(native as AnyContext)),
  wrapResponse: (native) => wrapResponse(contextOf(native as AnyContext)),
});

/**
 * Serves tessera's endpoints under `apiBasePath`; every other request goes on to `next()`. Errors
 * that later middleware throw (e.g. `Session.getSession` in a route) are answered here when they
 * are tessera's (401/403/400/503); any other error is rethrown to Koa unchanged.
 */
export function middleware() {
  return async (ctx: Context, next: Next): Promise<void> => {
    const request = wrapRequest(ctx);
    const response = wrapResponse(ctx);
    try {
      if (!(await handleAPIRequest(request, response))) await next();
    } catch (error) {
      if (!(await handleError(error, request, response))) throw error;
    }
  };
}

/** Koa middleware (e.g. for koa-router) that verifies the session (and its claims) and sets `ctx.session`; answers 401/403 itself. */
export function verifySession(options?: VerifySessionOptions) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const request = wrapRequest(ctx);
    const response = wrapResponse(ctx);
    const userContext = makeDefaultUserContext(request);
    try {
      (ctx as SessionContext).session = await verifySessionInRequest(request, response, options, userContext);
    } catch (error) {
      if (await handleError(error, request, response, userContext)) return;
      throw error;
    }
    await next();
  };
}

/**
 * `tessera/framework/express`: the Express adapter. It wraps Express's request and response in
 * the core's neutral interface and forwards; all auth logic lives in the core and the recipes.
 *
 * @example
 * import { middleware, errorHandler } from "tessera/framework/express";
 * app.use(middleware());        // serves {apiBasePath}/... (sign-in, refresh, sign-out, ...)
 * // ...your routes...
 * app.use(errorHandler());      // turns session errors into 401/403
 */
import type { NextFunction, Request, Response } from "express";
import {
  appendHeaderValue,
  NEUTRAL,
  NodeHttpRequest,
  parseJSONBody,
  readBodyText,
  registerFrameworkWrapper,
  serializeCookie,
  upsertSetCookie,
  requestPath,
  type CookieOptions,
  type HttpRequest,
  type HttpResponse,
} from "../../core/http.js";
import { settle } from "../../core/maybe-promise.js";
import { handleError, makeDefaultUserContext, matchAPIRequest, serveAPIRequest } from "../../core/router.js";
import { BadInputError } from "../../core/errors.js";
import { markVerifySession } from "../../core/route-report.js";
import { verifySessionInRequestNow, type SessionContainer, type VerifySessionOptions } from "../../recipe/session/index.js";

/** An Express request after `verifySession`: `req.session` is the verified session (undefined only with `sessionRequired: false`). */
export interface SessionRequest extends Request {
  session?: SessionContainer;
}

type Stashed<T> = { [NEUTRAL]?: T };

class ExpressHttpRequest extends NodeHttpRequest {
  constructor(private readonly req: Request) {
    // Every line of a repeated header is read from rawHeaders (req.headers keeps only the first Authorization).
    super(req, req, req.method, req.originalUrl || req.url);
  }

  protected async readJSONBody(): Promise<unknown> {
    const { req } = this;
    // A body parser that ran before us (express.json()) already consumed the stream.
    if (req.body !== undefined && typeof req.body === "object" && req.body !== null && !Buffer.isBuffer(req.body)) return req.body as unknown;
    if (typeof req.body === "string") return parseJSONBody(req.body);
    if (Buffer.isBuffer(req.body)) return parseJSONBody(req.body.toString("utf8"));
    if (req.readableEnded) return {};
    return parseJSONBody(await readBodyText(req));
  }
}

export function wrapRequest(req: Request): HttpRequest {
  const stash = req as Request & Stashed<HttpRequest>;
  return (stash[NEUTRAL] ??= new ExpressHttpRequest(req));
}

/** Express's response as the core's neutral response. A class: one allocation per request, methods shared. */
class ExpressHttpResponse implements HttpResponse {
  private status = 200;

  constructor(readonly original: Response) {}

  isSent(): boolean {
    return this.original.headersSent || this.original.writableEnded;
  }

  setStatus(code: number): void {
    this.status = code;
  }

  setHeader(name: string, value: string, append = false): void {
    const res = this.original;
    if (res.headersSent) return;
    const current = res.getHeader(name);
    res.setHeader(name, append ? appendHeaderValue(current === undefined ? undefined : String(current), value) : value);
  }

  removeHeader(name: string): void {
    if (!this.original.headersSent) this.original.removeHeader(name);
  }

  setCookie(cookie: CookieOptions): void {
    const res = this.original;
    if (res.headersSent) return;
    const current = res.getHeader("Set-Cookie");
    const list = current === undefined ? [] : Array.isArray(current) ? current.map(String) : [String(current)];
    res.setHeader("Set-Cookie", upsertSetCookie(list, serializeCookie(cookie)));
  }

  sendJSON(body: unknown): void {
    const res = this.original;
    if (res.headersSent) return;
    // Plain Node API (not res.status): Next.js hands getServerSideProps a bare ServerResponse.
    res.statusCode = this.status;
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.end(JSON.stringify(body));
  }
}

export function wrapResponse(res: Response): HttpResponse {
  const stash = res as Response & Stashed<HttpResponse>;
  return (stash[NEUTRAL] ??= new ExpressHttpResponse(res));
}

registerFrameworkWrapper("express", {
  wrapRequest: (native) => wrapRequest(native as Request),
  wrapResponse: (native) => wrapResponse(native as Response),
});

/** Serves tessera's endpoints under `apiBasePath`; every other request goes on to `next()`. */
export function middleware() {
  return (req: Request, res: Response, next: NextFunction): void | Promise<void> => {
    // Any other route goes on at once: nothing wrapped, no promise.
    const match = matchAPIRequest(req.method.toUpperCase(), requestPath(req.originalUrl || req.url));
    if (match === undefined) return next();
    return serveAPIRequest(match, wrapRequest(req), wrapResponse(res)).catch(next);
  };
}

/** Express error middleware: answers tessera's errors (401/403/400/503) and passes any other error on. */
export function errorHandler() {
  return async (error: unknown, req: Request, res: Response, next: NextFunction): Promise<void> => {
    // A body parser's own error (malformed JSON, too large) is bad input too: answer 400, never a stack trace.
    const own = isBodyParserError(error) ? new BadInputError("Request body is not valid JSON or is too large") : error;
    try {
      if (await handleError(own, wrapRequest(req), wrapResponse(res))) return;
    } catch (handlerError) {
      return next(handlerError);
    }
    next(error);
  };
}

function isBodyParserError(error: unknown): boolean {
  return typeof error === "object" && error !== null && "type" in error && ["entity.parse.failed", "entity.too.large", "encoding.unsupported", "charset.unsupported"].includes(String((error as { type: unknown }).type));
}

/** Express middleware that verifies the session (and its claims) and sets `req.session`; answers 401/403 itself. */
export function verifySession(options?: VerifySessionOptions) {
  // Marked with its options, so the route-policy report can list what guards each route.
  // Not an async function: a verify that needs no I/O calls next() at once, with no promise.
  return markVerifySession((req: Request, res: Response, next: NextFunction): void | Promise<void> => {
    // Its own wrappers, stashed nowhere: a property added to Node's request or response object on
    // every request (large objects whose shape Node's own HTTP code reads) cost ~7 us a request here,
    // more than the rest of a verify (one process, app.handle on fresh IncomingMessage and
    // ServerResponse objects); even looking for a stashed one costs ~0.4 us each. Nothing later
    // needs them: a verify reads no body, and the response wrapper keeps no state between calls.
    const request = new ExpressHttpRequest(req);
    const response = new ExpressHttpResponse(res);
    const userContext = makeDefaultUserContext(request);
    const verified = (session: SessionContainer | undefined) => {
      (req as SessionRequest).session = session;
      next();
    };
    const failed = (error: unknown): Promise<void> =>
      handleError(error, request, response, userContext).then((handled) => (handled ? undefined : next(error)), next);
    return settle(() => verifySessionInRequestNow(request, response, options, userContext), verified, failed);
  }, options);
}

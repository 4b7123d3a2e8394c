/**
 * `tessera/framework/fastify`: the Fastify adapter. It wraps Fastify's request and reply in the
 * core's neutral interface and forwards; all auth logic lives in the core and the recipes.
 *
 * Module functions (`Session.createNewSession(req, res, …)`, `Session.getSession`) take Fastify's
 * `request` and `reply`, with `tessera.init({ framework: "fastify", … })`.
 *
 * @example
 * import { plugin, errorHandler } from "tessera/framework/fastify";
 * await fastify.register(plugin);         // serves {apiBasePath}/... (refresh, sign-out, ...)
 * fastify.setErrorHandler(errorHandler()); // turns session errors into 401/403
 */
import type { FastifyError, FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from "fastify";
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
import { verifySessionInRequestNow, type SessionContainer, type VerifySessionOptions } from "../../recipe/session/index.js";

/** A Fastify request after `verifySession`: `req.session` is the verified session (undefined only with `sessionRequired: false`). */
export interface SessionRequest extends FastifyRequest {
  session?: SessionContainer;
}

type Stashed<T> = { [NEUTRAL]?: T };

class FastifyHttpRequest extends NodeHttpRequest {
  constructor(private readonly request: FastifyRequest) {
    super(request, request.raw, request.method, request.raw.url ?? request.url);
  }

  protected async readJSONBody(): Promise<unknown> {
    // Parsed by Fastify (or the app's own content-type parser) when the route ran its parsers;
    // in our onRequest hook nothing is parsed yet and the stream is ours to read.
    const parsed: unknown = this.request.body;
    if (typeof parsed === "string") return parseJSONBody(parsed);
    if (Buffer.isBuffer(parsed)) return parseJSONBody(parsed.toString("utf8"));
    if (parsed !== undefined && parsed !== null) return parsed;
    if (this.request.raw.readableEnded) return {};
    return parseJSONBody(await readBodyText(this.request.raw));
  }
}

/** Fastify's request as the core's neutral request (cached on the request). */
export function wrapRequest(request: FastifyRequest): HttpRequest {
  const stash = request as FastifyRequest & Stashed<HttpRequest>;
  return (stash[NEUTRAL] ??= new FastifyHttpRequest(request));
}

// Headers go through the reply (not reply.raw), so Fastify sends them with its own and keeps
// every Set-Cookie as its own line. A class: one allocation per request, methods shared.
class FastifyHttpResponse implements HttpResponse {
  private status = 200;
  private sent = false;

  constructor(readonly original: FastifyReply) {}

  isSent(): boolean {
    return this.sent || this.original.sent || this.original.raw.headersSent;
  }

  setStatus(code: number): void {
    this.status = code;
  }

  setHeader(name: string, value: string, append = false): void {
    if (this.isSent()) return;
    const current = this.original.getHeader(name);
    this.original.header(name, append ? appendHeaderValue(current === undefined ? undefined : String(current), value) : value);
  }

  removeHeader(name: string): void {
    if (!this.isSent()) this.original.removeHeader(name);
  }

  setCookie(cookie: CookieOptions): void {
    if (this.isSent()) return;
    const reply = this.original;
    const current = reply.getHeader("set-cookie");
    const list = current === undefined ? [] : Array.isArray(current) ? current.map(String) : [String(current)];
    reply.removeHeader("set-cookie");
    reply.header("set-cookie", upsertSetCookie(list, serializeCookie(cookie)));
  }

  sendJSON(body: unknown): void {
    if (this.isSent()) return;
    this.sent = true;
    void this.original.code(this.status).header("content-type", "application/json; charset=utf-8").send(JSON.stringify(body));
  }
}

/** Fastify's reply as the core's neutral response (cached on the reply). */
export function wrapResponse(reply: FastifyReply): HttpResponse {
  const stash = reply as FastifyReply & Stashed<HttpResponse>;
  return (stash[NEUTRAL] ??= new FastifyHttpResponse(reply));
}

registerFrameworkWrapper("fastify", {
  wrapRequest: (native) => wrapRequest(native as FastifyRequest),
  wrapResponse: (native) => wrapResponse(native as FastifyReply),
});

/**
 * A Fastify plugin (`fastify.register(plugin)`) serving tessera's endpoints under `apiBasePath`
 * from an `onRequest` hook, before any content-type parser: it reads the body itself, so it works
 * with or without the app's parsers. Registered without encapsulation, so the hook sees every route.
 */
export const plugin: FastifyPluginCallback = Object.assign(
  (fastify: FastifyInstance, _options: unknown, done: (error?: Error) => void) => {
    // Callback style: a request for any other route goes on synchronously, with no promise.
    fastify.addHook("onRequest", (request, reply, done) => {
      const match = matchAPIRequest(request.method.toUpperCase(), requestPath(request.raw.url ?? request.url));
      if (match === undefined) return done();
      serveAPIRequest(match, wrapRequest(request), wrapResponse(reply)).then(() => done(), done);
    });
    done();
  },
  { [Symbol.for("skip-override")]: true, [Symbol.for("fastify.display-name")]: "tessera" },
);

const BODY_ERRORS = ["FST_ERR_CTP_INVALID_JSON_BODY", "FST_ERR_CTP_EMPTY_JSON_BODY", "FST_ERR_CTP_BODY_TOO_LARGE", "FST_ERR_CTP_INVALID_CONTENT_LENGTH"];

/**
 * For `fastify.setErrorHandler(errorHandler())`: answers tessera's errors (401/403/400/503) and
 * hands any other error back to Fastify's default handling unchanged.
 */
export function errorHandler() {
  return async (error: FastifyError, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    // Fastify's own body errors (malformed JSON, too large) are bad input too: 400, never a stack trace.
    const own = BODY_ERRORS.includes(String(error?.code)) ? new BadInputError("Request body is not valid JSON or is too large") : error;
    if (await handleError(own, wrapRequest(request), wrapResponse(reply))) return reply;
    throw error;
  };
}

/**
 * A Fastify `preHandler` that verifies the session (and its claims) and sets `req.session`; answers
 * 401/403 itself. Fastify calls it with `done`; called by hand with `(request, reply)`, as an async
 * hook of the app's may, it returns a promise that settles once `req.session` is set, or once the
 * error is answered (`reply.sent`; return `reply` from the hook then).
 */
export function verifySession(options?: VerifySessionOptions) {
  // Callback style: a verify that needs no I/O goes on to the handler at once, with no promise.
  // An answered error does not call done(): the reply is sent and Fastify skips the handler.
  function preHandler(request: FastifyRequest, reply: FastifyReply, done: (error?: FastifyError) => void): void;
  function preHandler(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
  function preHandler(request: FastifyRequest, reply: FastifyReply, done?: (error?: FastifyError) => void): void | Promise<FastifyReply | undefined> {
    if (done === undefined) {
      return new Promise((resolve, reject) => guard(request, reply, (error) => (error ? reject(error) : resolve(undefined)), () => resolve(reply)));
    }
    guard(request, reply, done, () => undefined);
  }
  function guard(request: FastifyRequest, reply: FastifyReply, done: (error?: FastifyError) => void, answered: () => void): void {
    const req = wrapRequest(request);
    const res = wrapResponse(reply);
    const userContext = makeDefaultUserContext(req);
    const verified = (session: SessionContainer | undefined) => {
      (request as SessionRequest).session = session;
      done();
    };
    const failed = (error: unknown) => {
      handleError(error, req, res, userContext).then((handled) => (handled ? answered() : done(error as FastifyError)), done);
    };
    void settle(() => verifySessionInRequestNow(req, res, options, userContext), verified, failed);
  }
  return preHandler;
}

/**
 * `tessera/framework/hapi`: the Hapi adapter. Hapi handlers return their response as a value, so
 * what the core writes is collected per request and copied into the response Hapi sends. All auth
 * logic lives in the core and the recipes.
 *
 * Module functions (`Session.createNewSession(req, h, …)`, `Session.getSession`) take the Hapi
 * `request` and the response toolkit `h` (or the request twice), with
 * `tessera.init({ framework: "hapi", … })`.
 *
 * @example
 * import { plugin } from "tessera/framework/hapi";
 * await server.register(plugin); // serves {apiBasePath}/...; turns session errors into 401/403
 */
import type { Lifecycle, Plugin, Request, ResponseObject, ResponseToolkit } from "@hapi/hapi";
import {
  appendHeaderValue,
  createCollectingResponse,
  NEUTRAL,
  parseCookieHeader,
  parseJSONBody,
  readBodyText,
  registerFrameworkWrapper,
  type CollectingResponse,
  type HttpRequest,
  type HttpResponse,
} from "../../core/http.js";
import { handleAPIRequest, handleError, makeDefaultUserContext } from "../../core/router.js";
import { verifySessionInRequest, type SessionContainer, type VerifySessionOptions } from "../../recipe/session/index.js";

/** A Hapi request after `verifySession`: `req.session` is the verified session (undefined only with `sessionRequired: false`). */
export interface SessionRequest extends Request {
  session?: SessionContainer;
}

type Stashed<T> = { [NEUTRAL]?: T };
const responses = new WeakMap<Request, CollectingResponse>();

const requestOf = (native: Request | ResponseToolkit): Request => ("request" in native && typeof native.request === "object" ? native.request : (native as Request));

/** A Hapi request as the core's neutral request (cached on the request). */
export function wrapRequest(request: Request): HttpRequest {
  const stash = request as Request & Stashed<HttpRequest>;
  if (stash[NEUTRAL]) return stash[NEUTRAL];
  const raw = request.raw.req;
  const url = new URL(raw.url ?? request.url.href, "http://localhost");
  let cookies: Map<string, string[]> | undefined;
  let body: Promise<unknown> | undefined;
  const wrapped: HttpRequest = {
    method: request.method.toUpperCase(),
    path: url.pathname,
    query: url.searchParams,
    getHeader: (name) => raw.headersDistinct[name.toLowerCase()]?.join(", "),
    getCookieValues: (name) => (cookies ??= parseCookieHeader(raw.headers.cookie)).get(name) ?? [],
    getJSONBody: () =>
      (body ??= (async () => {
        // Parsed by Hapi once the route's payload step ran; in our onRequest step the stream is ours to read.
        const payload: unknown = request.payload;
        if (typeof payload === "string") return parseJSONBody(payload);
        if (Buffer.isBuffer(payload)) return parseJSONBody(payload.toString("utf8"));
        if (payload !== undefined) return payload ?? {};
        if (raw.readableEnded) return {};
        return parseJSONBody(await readBodyText(raw));
      })()),
    remoteAddress: request.info.remoteAddress,
    original: request,
  };
  stash[NEUTRAL] = wrapped;
  return wrapped;
}

/** One collecting response per request, whichever toolkit `h` it is reached through (Hapi makes a new `h` per step). */
function collectorOf(request: Request): CollectingResponse {
  let response = responses.get(request);
  if (!response) {
    response = createCollectingResponse(request, () => request.raw.res.headersSent);
    responses.set(request, response);
  }
  return response;
}

/** The neutral response of a request (given the request or a toolkit `h`): it collects, and the plugin replays it onto Hapi's response. */
export function wrapResponse(native: Request | ResponseToolkit): HttpResponse {
  return collectorOf(requestOf(native));
}

registerFrameworkWrapper("hapi", {
  wrapRequest: (native) => wrapRequest(requestOf(native as Request | ResponseToolkit)),
  wrapResponse: (native) => wrapResponse(native as Request | ResponseToolkit),
});

/** Moves what was collected (headers, every Set-Cookie line) onto an outgoing response, once. */
function flush(request: Request, get: (name: string) => unknown, set: (name: string, value: string) => void, addCookie: (line: string) => void): void {
  const { collected } = collectorOf(request);
  for (const [name, value] of collected.headers) {
    const current = get(name);
    // Two lists of exposed headers merge; any other header of ours carries a token the client must get.
    set(name, name === "access-control-expose-headers" && typeof current === "string" ? appendHeaderValue(current, value) : value);
  }
  for (const line of collected.cookies) addCookie(line);
  collected.headers.clear();
  collected.cookies = [];
}

function flushInto(request: Request, response: ResponseObject): ResponseObject {
  flush(request, (name) => response.headers[name], (name, value) => response.header(name, value), (line) => response.header("set-cookie", line, { append: true }));
  return response;
}

/** The response the core answered with, as a Hapi response that takes over the lifecycle. */
function takeover(request: Request, h: ResponseToolkit): ResponseObject {
  const { collected } = collectorOf(request);
  return flushInto(request, h.response(collected.body ?? "").code(collected.status)).takeover();
}

/**
 * The Hapi plugin: serves tessera's endpoints under `apiBasePath` (at `onRequest`, reading the body
 * itself), and at `onPreResponse` turns tessera's errors into responses and adds the tokens the core
 * set during the request to whatever response goes out.
 */
export const plugin: Plugin<unknown> = {
  name: "tessera",
  register: (server) => {
    server.ext("onRequest", async (request, h) => ((await handleAPIRequest(wrapRequest(request), wrapResponse(request))) ? takeover(request, h) : h.continue));
    server.ext("onPreResponse", async (request, h) => {
      const response = request.response;
      if (!response) return h.continue;
      if ("isBoom" in response) {
        // A thrown error reaches here boomified: the same object, so tessera still knows its own.
        if (await handleError(response, wrapRequest(request), wrapResponse(request))) return takeover(request, h);
        const headers = response.output.headers;
        flush(request, (name) => headers[name], (name, value) => (headers[name] = value), (line) => (headers["set-cookie"] = [...[headers["set-cookie"] ?? []].flat().map(String), line]));
      } else {
        flushInto(request, response);
      }
      return h.continue;
    });
  },
};

/** A Hapi `pre` method that verifies the session (and its claims) and sets `req.session`; answers 401/403 itself. */
export function verifySession(options?: VerifySessionOptions): Lifecycle.Method {
  return async (request: Request, h: ResponseToolkit) => {
    const req = wrapRequest(request);
    const res = wrapResponse(request);
    const userContext = makeDefaultUserContext(req);
    try {
      (request as SessionRequest).session = await verifySessionInRequest(req, res, options, userContext);
      return h.continue;
    } catch (error) {
      if (await handleError(error, req, res, userContext)) return takeover(request, h);
      throw error;
    }
  };
}

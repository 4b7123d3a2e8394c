/**
 * `tessera/framework/awsLambda`: the AWS Lambda (and Netlify Functions) adapter, for API Gateway
 * REST events (payload v1: headers + multiValueHeaders), HTTP API events (payload v2: `cookies[]`)
 * and Function URL events (v2 format). It reads the event into the core's neutral request, collects
 * what the core writes, and merges that into the handler's result. No auth logic here.
 *
 * @example
 * import { middleware } from "tessera/framework/awsLambda";
 * export const handler = middleware(myHandler); // serves {apiBasePath}/..., passes other paths on
 */
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, APIGatewayProxyResult, APIGatewayProxyStructuredResultV2, Callback, Context } from "aws-lambda";
import { appendHeaderValue, createCollectingResponse, MAX_BODY_BYTES, NEUTRAL, parseCookieHeader, parseJSONBody, registerFrameworkWrapper, upsertSetCookie, type CollectingResponse, type HttpRequest } from "../../core/http.js";
import { handleAPIRequest, handleError, makeDefaultUserContext } from "../../core/router.js";
import { BadInputError } from "../../core/errors.js";
import { verifySessionInRequest, type SessionContainer, type VerifySessionOptions } from "../../recipe/session/index.js";

/** An API Gateway REST (payload v1) event after `verifySession`: `session` is the verified session. */
export interface SessionEvent extends APIGatewayProxyEvent {
  session?: SessionContainer;
}
/** An HTTP API (payload v2) or Function URL event after `verifySession`. */
export interface SessionEventV2 extends APIGatewayProxyEventV2 {
  session?: SessionContainer;
}
export type LambdaEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2;
/** What a wrapped handler resolves to: the handler's own result with tessera's headers and cookies merged in. */
export type LambdaResult<R> = R | APIGatewayProxyResult | APIGatewayProxyStructuredResultV2;
export type LambdaHandler<E, R> = (event: E, context: Context, callback: Callback) => R | Promise<R>;

const wrappers = new WeakMap<object, { request: HttpRequest; response: CollectingResponse }>();

const isV2 = (event: LambdaEvent): event is APIGatewayProxyEventV2 => (event as { version?: string }).version === "2.0";

function wrapEvent(event: LambdaEvent) {
  const known = wrappers.get(event);
  if (known) return known;
  const headers = new Map<string, string[]>();
  const add = (name: string, values: readonly string[]) => headers.set(name.toLowerCase(), [...(headers.get(name.toLowerCase()) ?? []), ...values]);
  const multi = isV2(event) ? undefined : event.multiValueHeaders;
  for (const [name, values] of Object.entries(multi ?? {})) if (values) add(name, values);
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined && !multi?.[name]) add(name, [value]);
  // v2 moves the Cookie header into `cookies[]`; v1 keeps it as (possibly several) Cookie headers.
  const cookieHeader = [...(isV2(event) ? (event.cookies ?? []) : []), ...(headers.get("cookie") ?? [])].join("; ");
  const stage = isV2(event) ? event.requestContext.stage : undefined;
  // An HTTP API's non-default stage is part of rawPath ("/prod/auth/..."); the app's paths are below it.
  const path = isV2(event) ? (stage && stage !== "$default" && event.rawPath.startsWith(`/${stage}/`) ? event.rawPath.slice(stage.length + 1) : event.rawPath) : event.path;
  const multiQuery = isV2(event) ? undefined : (event.multiValueQueryStringParameters ?? Object.fromEntries(Object.entries(event.queryStringParameters ?? {}).map(([k, v]) => [k, [v]])));
  const query = isV2(event) ? new URLSearchParams(event.rawQueryString) : new URLSearchParams(Object.entries(multiQuery ?? {}).flatMap(([k, vs]) => (vs ?? []).map((v): [string, string] => [k, v ?? ""])));
  let cookies: Map<string, string[]> | undefined;
  const request: HttpRequest = {
    method: (isV2(event) ? event.requestContext.http.method : event.httpMethod).toUpperCase(),
    path,
    query,
    getHeader: (name) => headers.get(name.toLowerCase())?.join(", "),
    getCookieValues: (name) => (cookies ??= parseCookieHeader(cookieHeader)).get(name) ?? [],
    getJSONBody: async () => {
      const raw = event.body ? (event.isBase64Encoded ? Buffer.from(event.body, "base64") : Buffer.from(event.body, "utf8")) : Buffer.alloc(0);
      if (raw.length > MAX_BODY_BYTES) throw new BadInputError("Request body is too large");
      return parseJSONBody(raw.toString("utf8"));
    },
    // The client address API Gateway saw (the socket a Lambda has is not the client's).
    remoteAddress: isV2(event) ? event.requestContext.http.sourceIp : event.requestContext?.identity?.sourceIp,
    original: event,
  };
  const response = createCollectingResponse(event);
  const wrapped = { request, response };
  wrappers.set(event, wrapped);
  // Session.createNewSession(event, event, ...) finds both halves under the one stash key.
  Object.defineProperty(event, NEUTRAL, { value: { ...request, ...response, original: event }, configurable: true });
  return wrapped;
}

registerFrameworkWrapper("awsLambda", {
  wrapRequest: (native) => wrapEvent(native as LambdaEvent).request,
  wrapResponse: (native) => wrapEvent(native as LambdaEvent).response,
});

const LIST_HEADERS = new Set(["access-control-expose-headers"]);

function findKey(record: Record<string, unknown>, name: string): string {
  return Object.keys(record).find((key) => key.toLowerCase() === name.toLowerCase()) ?? name;
}

/** The Lambda result: tessera's own response if the core answered, else the handler's result with the collected headers and cookies merged in. */
function toResult<R>(event: LambdaEvent, { collected }: CollectingResponse, result?: R): LambdaResult<R> {
  let out: Record<string, unknown> & { headers?: Record<string, boolean | number | string> };
  if (collected.body !== undefined) out = { statusCode: collected.status, body: collected.body };
  else if (result === undefined || result === null) out = { statusCode: collected.status, body: "" };
  else if (typeof result === "object" && "statusCode" in result) out = { ...(result as Record<string, unknown>) };
  // v2 reads any other value as a JSON body with status 200; v1 needs a structured result, so it is left as it is.
  else if (isV2(event)) out = { statusCode: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(result) };
  else return result;
  if (collected.headers.size > 0) {
    const headers = { ...out.headers };
    for (const [name, value] of collected.headers) {
      const key = findKey(headers, name);
      // Ours replace the handler's, except the one list tessera adds to (Access-Control-Expose-Headers).
      headers[key] = LIST_HEADERS.has(name) && headers[key] !== undefined ? appendHeaderValue(String(headers[key]), value) : value;
    }
    out.headers = headers;
  }
  if (collected.cookies.length > 0) {
    if (isV2(event)) out.cookies = collected.cookies.reduce(upsertSetCookie, (out.cookies as string[] | undefined) ?? []);
    else {
      // v1: one Set-Cookie line per cookie through multiValueHeaders.
      const multi = { ...(out.multiValueHeaders as Record<string, Array<boolean | number | string>> | undefined) };
      const key = findKey(multi, "Set-Cookie");
      multi[key] = collected.cookies.reduce(upsertSetCookie, (multi[key] ?? []).map(String));
      out.multiValueHeaders = multi;
    }
  }
  return out as LambdaResult<R>;
}

/**
 * Serves tessera's endpoints under `apiBasePath` from a Lambda; other requests go to `handler`
 * (404 without one). Tokens and headers set during `handler` (e.g. `Session.createNewSession(event, event, ...)`)
 * are merged into its result; tessera's errors thrown by it become 401/403/400/503 results.
 */
export function middleware<E extends LambdaEvent = LambdaEvent, R = unknown>(handler?: LambdaHandler<E, R>) {
  return async (event: E, context: Context, callback: Callback): Promise<LambdaResult<R>> => {
    const { request, response } = wrapEvent(event);
    try {
      if (await handleAPIRequest(request, response)) return toResult(event, response);
      if (!handler) {
        response.setStatus(404);
        response.sendJSON({ message: "Not found" });
        return toResult(event, response);
      }
      return toResult(event, response, await handler(event, context, callback));
    } catch (error) {
      if (await handleError(error, request, response)) return toResult(event, response);
      throw error;
    }
  };
}

/**
 * Wraps a Lambda handler: verifies the session (and its claims), sets `event.session` and runs
 * `handler`; answers 401/403 itself. Only async handlers (returning their result) are supported.
 */
export function verifySession<E extends SessionEvent | SessionEventV2, R = unknown>(handler: LambdaHandler<E, R>, options?: VerifySessionOptions) {
  return async (event: E, context: Context, callback: Callback): Promise<LambdaResult<R>> => {
    const { request, response } = wrapEvent(event);
    const userContext = makeDefaultUserContext(request);
    try {
      event.session = await verifySessionInRequest(request, response, options, userContext);
      return toResult(event, response, await handler(event, context, callback));
    } catch (error) {
      if (await handleError(error, request, response, userContext)) return toResult(event, response);
      throw error;
    }
  };
}

/**
 * The Lambda side of the AWS tests: the conformance app as one Lambda handler, event fixtures
 * shaped like the AWS documentation's examples (API Gateway REST payload v1, HTTP API payload v2,
 * Function URL), and a loopback HTTP server that stands in for API Gateway.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, Context } from "aws-lambda";
import { middleware, type LambdaEvent, type SessionEvent, type SessionEventV2 } from "../../src/framework/awsLambda/index.js";
import { verifySession } from "../../src/recipe/session/framework/awsLambda.js";
import Session from "../../src/recipe/session/index.js";
import type { BooleanClaim } from "../../src/recipe/session/claims/index.js";

export type EventKind = "v1" | "v2" | "url";

const json = (statusCode: number, body: unknown) => ({ statusCode, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
const methodOf = (event: LambdaEvent) => ("httpMethod" in event ? event.httpMethod : event.requestContext.http.method);
const pathOf = (event: LambdaEvent) => ("httpMethod" in event ? event.path : event.rawPath);
const bodyOf = (event: LambdaEvent) => (event.body ? (event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body) : "");

/** The conformance routes as one Lambda: `middleware(router)` serves /auth/*, the router the app's routes. */
export function buildLambdaApp(SecondFactorClaim: BooleanClaim) {
  type E = SessionEvent | SessionEventV2;
  const likeComment = verifySession(async (event: E) => json(200, { userId: event.session!.getUserId() }), {
    overrideGlobalClaimValidators: (globalValidators) => [...globalValidators, SecondFactorClaim.validators.hasValue(true)],
  });
  const complete = verifySession(async (event: E) => {
    await event.session!.setClaimValue(SecondFactorClaim, true);
    return json(200, {});
  });
  // A v2 handler may return a plain object: HTTP API sends it as a JSON body with status 200.
  const optional = verifySession(async (event: E) => ("version" in event ? { userId: event.session?.getUserId() ?? null } : json(200, { userId: event.session?.getUserId() ?? null })), { sessionRequired: false });
  const protectedRoute = verifySession(async (event: E) => json(200, { userId: event.session!.getUserId() }));
  return middleware(async (event: E, context: Context, callback) => {
    const route = `${methodOf(event)} ${pathOf(event)}`;
    if (route === "POST /login") {
      let userId: string;
      try {
        userId = String((JSON.parse(bodyOf(event)) as { userId: unknown }).userId);
      } catch {
        return json(400, { message: "malformed JSON body" });
      }
      const session = await Session.createNewSession(event, event, "public", userId);
      return json(200, { handle: session.getHandle() });
    }
    if (route === "POST /like-comment") return likeComment(event, context, callback);
    if (route === "POST /complete") return complete(event, context, callback);
    if (route === "GET /optional") return optional(event, context, callback);
    if (route === "GET /protected") return protectedRoute(event, context, callback);
    return json(404, { message: "not found" });
  });
}

export const lambdaContext = { functionName: "tessera-test", awsRequestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef" } as Context;

export interface RawRequest {
  method: string;
  /** Path and query, e.g. "/auth/session/refresh?x=1". */
  url: string;
  /** Header lines as sent (name case kept); a name may repeat. */
  headers: Array<[string, string]>;
  body?: Buffer;
}

/** A REST API (payload v1) proxy event, as in the API Gateway docs' "Input format" example, for the stage "prod". */
export function restEvent(raw: RawRequest): APIGatewayProxyEvent {
  const url = new URL(raw.url, "https://id.execute-api.us-east-1.amazonaws.com");
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of raw.headers) (multiValueHeaders[name] ??= []).push(value);
  const headers = Object.fromEntries(Object.entries(multiValueHeaders).map(([name, values]) => [name, values[values.length - 1]!]));
  const multiValueQueryStringParameters: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) (multiValueQueryStringParameters[k] ??= []).push(v);
  const hasQuery = Object.keys(multiValueQueryStringParameters).length > 0;
  return {
    resource: "/{proxy+}",
    path: url.pathname,
    httpMethod: raw.method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? Object.fromEntries(Object.entries(multiValueQueryStringParameters).map(([k, v]) => [k, v[v.length - 1]!])) : null,
    multiValueQueryStringParameters: hasQuery ? multiValueQueryStringParameters : null,
    pathParameters: { proxy: url.pathname.slice(1) },
    stageVariables: null,
    requestContext: {
      accountId: "123456789012",
      apiId: "id",
      authorizer: { claims: null, scopes: null },
      domainName: "id.execute-api.us-east-1.amazonaws.com",
      domainPrefix: "id",
      extendedRequestId: "request-id",
      httpMethod: raw.method,
      identity: { accessKey: null, accountId: null, caller: null, cognitoAuthenticationProvider: null, cognitoAuthenticationType: null, cognitoIdentityId: null, cognitoIdentityPoolId: null, principalOrgId: null, sourceIp: "192.0.2.1", user: null, userAgent: "user-agent", userArn: null, clientCert: null, apiKey: null, apiKeyId: null },
      path: `/prod${url.pathname}`,
      protocol: "HTTP/1.1",
      requestId: "id=",
      requestTime: "04/Mar/2020:19:15:17 +0000",
      requestTimeEpoch: 1583349317135,
      resourceId: "abc123",
      resourcePath: "/{proxy+}",
      stage: "prod",
    },
    body: raw.body && raw.body.length > 0 ? raw.body.toString("utf8") : null,
    isBase64Encoded: false,
  };
}

/** An HTTP API (payload v2) event as in the docs' example, or a Function URL event (same format, its own requestContext). */
export function v2Event(raw: RawRequest, kind: "v2" | "url" = "v2", stage = "$default"): APIGatewayProxyEventV2 {
  const url = new URL(raw.url, "https://id.execute-api.us-east-1.amazonaws.com");
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of raw.headers) {
    // v2 lower-cases header names, joins repeats with commas, and moves Cookie into cookies[].
    if (name.toLowerCase() === "cookie") cookies.push(...value.split(";").map((c) => c.trim()).filter(Boolean));
    else headers[name.toLowerCase()] = headers[name.toLowerCase()] === undefined ? value : `${headers[name.toLowerCase()]},${value}`;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
  const rawPath = stage === "$default" ? url.pathname : `/${stage}${url.pathname}`;
  const domain = kind === "url" ? "abcdefghijklmnop.lambda-url.us-west-2.on.aws" : "id.execute-api.us-east-1.amazonaws.com";
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString: url.search.slice(1),
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(url.search ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: kind === "url" ? "anonymous" : "123456789012",
      apiId: kind === "url" ? "abcdefghijklmnop" : "api-id",
      domainName: domain,
      domainPrefix: domain.split(".")[0]!,
      http: { method: raw.method, path: rawPath, protocol: "HTTP/1.1", sourceIp: "192.0.2.1", userAgent: "agent" },
      requestId: "id",
      routeKey: "$default",
      stage,
      time: "12/Mar/2020:19:03:58 +0000",
      timeEpoch: 1583348638390,
    },
    // Binary-safe as API Gateway and Function URLs deliver non-text bodies: base64.
    ...(raw.body && raw.body.length > 0 ? { body: raw.body.toString("base64"), isBase64Encoded: true } : { isBase64Encoded: false }),
  };
}

export interface LambdaHttpResult {
  status: number;
  headers: Record<string, string>;
  setCookies: string[];
  body: string;
}

/** Reads a Lambda result as API Gateway would turn it into an HTTP response. */
export function readResult(kind: EventKind, result: unknown): LambdaHttpResult {
  const r = result as { statusCode?: number; headers?: Record<string, unknown>; multiValueHeaders?: Record<string, unknown[]>; cookies?: string[]; body?: string; isBase64Encoded?: boolean };
  if (kind !== "v1" && (typeof result !== "object" || result === null || r.statusCode === undefined)) {
    return { status: 200, headers: { "content-type": "application/json" }, setCookies: [], body: JSON.stringify(result) };
  }
  const headers: Record<string, string> = {};
  const setCookies: string[] = [];
  for (const [name, value] of Object.entries(r.headers ?? {})) {
    if (name.toLowerCase() === "set-cookie") setCookies.push(String(value));
    else headers[name.toLowerCase()] = String(value);
  }
  for (const [name, values] of Object.entries(r.multiValueHeaders ?? {})) {
    if (name.toLowerCase() === "set-cookie") setCookies.push(...values.map(String));
    else headers[name.toLowerCase()] = values.map(String).join(", ");
  }
  setCookies.push(...(r.cookies ?? []));
  const body = r.body === undefined ? "" : r.isBase64Encoded ? Buffer.from(r.body, "base64").toString("utf8") : r.body;
  return { status: r.statusCode ?? 200, headers, setCookies, body };
}

export function toEvent(kind: EventKind, raw: RawRequest): LambdaEvent {
  return kind === "v1" ? restEvent(raw) : v2Event(raw, kind);
}

/**
 * The tests' stand-in for API Gateway: a node:http server on 127.0.0.1 that turns each HTTP
 * request into the event API Gateway would deliver (payload v1 or v2), invokes the handler
 * directly, and writes its result back as API Gateway would (one Set-Cookie line per cookie).
 */
export async function startLambdaBridge(kind: EventKind, handler: (event: LambdaEvent, context: Context, callback: () => void) => Promise<unknown>) {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req as IncomingMessage) chunks.push(chunk as Buffer);
      const headers: Array<[string, string]> = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
      const event = toEvent(kind, { method: req.method ?? "GET", url: req.url ?? "/", headers, body: Buffer.concat(chunks) });
      try {
        const out = readResult(kind, await handler(event, lambdaContext, () => undefined));
        for (const [name, value] of Object.entries(out.headers)) res.setHeader(name, value);
        if (out.setCookies.length > 0) res.setHeader("Set-Cookie", out.setCookies);
        res.statusCode = out.status;
        res.end(out.body);
      } catch {
        // What API Gateway answers when the function fails.
        res.statusCode = 502;
        res.end(JSON.stringify({ message: "Internal server error" }));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

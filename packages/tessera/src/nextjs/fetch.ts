/**
 * The bridge between fetch-style `Request`/`Response` (Next.js App Router, and any other runtime
 * that speaks the WHATWG fetch API) and the core's neutral HttpRequest/HttpResponse. It converts
 * and collects; it decides nothing.
 */
import { BadInputError } from "../core/errors.js";
import {
  appendHeaderValue,
  MAX_BODY_BYTES,
  parseCookieHeader,
  parseJSONBody,
  serializeCookie,
  upsertSetCookie,
  type HttpRequest,
  type HttpResponse,
} from "../core/http.js";

/** A cookie as Next.js's `cookies().getAll()` gives it: the value already decoded. */
export interface RequestCookie {
  name: string;
  value: string;
}

/** Wraps a fetch `Request`. The body is read at most once, and only when an endpoint asks for it. */
export function fromFetchRequest(request: Request): HttpRequest {
  const url = new URL(request.url);
  let cookies: Map<string, string[]> | undefined;
  let body: Promise<unknown> | undefined;
  return {
    method: request.method.toUpperCase(),
    path: url.pathname,
    query: url.searchParams,
    // Headers.get joins repeated headers with ", ", as the interface asks.
    getHeader: (name) => request.headers.get(name) ?? undefined,
    getCookieValues: (name) => (cookies ??= parseCookieHeader(request.headers.get("cookie") ?? undefined)).get(name) ?? [],
    getJSONBody: () => (body ??= readJSON(request)),
    original: request,
  };
}

/** A GET request that carries only these cookies: what a server component knows of its request. */
export function fromCookies(cookies: Iterable<RequestCookie>): HttpRequest {
  const byName = new Map<string, string[]>();
  for (const { name, value } of cookies) byName.set(name, [...(byName.get(name) ?? []), value]);
  return {
    method: "GET",
    path: "/",
    query: new URLSearchParams(),
    getHeader: () => undefined,
    getCookieValues: (name) => byName.get(name) ?? [],
    getJSONBody: async () => ({}),
    original: cookies,
  };
}

async function readJSON(request: Request): Promise<unknown> {
  if (request.bodyUsed) throw new BadInputError("Request body was already read");
  // Refuse early on the announced size; the stream is still counted, as the header may lie.
  if (Number(request.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) throw new BadInputError("Request body is too large");
  if (!request.body) return {};
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) throw new BadInputError("Request body is too large");
    chunks.push(chunk);
  }
  return parseJSONBody(Buffer.concat(chunks).toString("utf8"));
}

/** An HttpResponse that collects status, headers, every Set-Cookie and the body, then becomes a fetch `Response`. */
export interface CollectingResponse extends HttpResponse {
  /** The collected response as a fetch `Response`. */
  toResponse(): Response;
  /**
   * Adds the collected cookies and headers (refreshed tokens, front-token, ...) to the app's own
   * response. Returns that response, or a copy of it when its headers are immutable.
   */
  mergeInto(response: Response): Response;
}

export function collectResponse(): CollectingResponse {
  let status = 200;
  let body: string | undefined;
  const headers = new Map<string, string>();
  let cookies: string[] = [];
  const apply = (target: Headers) => {
    for (const [name, value] of headers) {
      // Two lists of exposed headers merge; any other header of ours carries a token the client must get.
      const current = target.get(name);
      target.set(name, name === "access-control-expose-headers" && current ? appendHeaderValue(current, value) : value);
    }
    for (const cookie of cookies) target.append("set-cookie", cookie);
  };
  return {
    setStatus: (code) => {
      status = code;
    },
    setHeader: (name, value, append = false) => {
      const key = name.toLowerCase();
      headers.set(key, append ? appendHeaderValue(headers.get(key), value) : value);
    },
    removeHeader: (name) => {
      headers.delete(name.toLowerCase());
    },
    setCookie: (cookie) => {
      cookies = upsertSetCookie(cookies, serializeCookie(cookie));
    },
    sendJSON: (value) => {
      if (body !== undefined) return;
      headers.set("content-type", "application/json; charset=utf-8");
      body = JSON.stringify(value);
    },
    isSent: () => body !== undefined,
    original: undefined,
    toResponse: () => {
      const out = new Headers();
      apply(out);
      return new Response(body ?? null, { status, headers: out });
    },
    mergeInto: (response) => {
      try {
        apply(response.headers);
        return response;
      } catch {
        // Headers of a fetched or redirect Response are immutable: answer a copy instead.
        const copy = new Response(response.body, { status: response.status, statusText: response.statusText, headers: new Headers(response.headers) });
        apply(copy.headers);
        return copy;
      }
    },
  };
}

/**
 * The neutral HTTP interface between tessera's core and the framework adapters. An adapter wraps
 * its native request and response in these two interfaces and forwards; it decides nothing.
 */
import { BadInputError } from "./errors.js";

export interface HttpRequest {
  /** Upper-case method. */
  readonly method: string;
  /** Path without the query string, as received (not decoded). */
  readonly path: string;
  readonly query: URLSearchParams;
  /** A header by lower-case name; several values are joined with ", ". */
  getHeader(name: string): string | undefined;
  /** Every value of a cookie name, in the order sent (several values mean duplicates). */
  getCookieValues(name: string): string[];
  /** The JSON body; `{}` when empty. Throws {@link BadInputError} for malformed or oversized bodies. */
  getJSONBody(): Promise<unknown>;
  /**
   * The peer address of the connection (the socket's, never a header), for per-address limits;
   * core/limits.ts reads `X-Forwarded-For` only through its `trustProxy` setting. Undefined when
   * the adapter cannot tell: those limits are then skipped.
   */
  readonly remoteAddress?: string | undefined;
  /** The framework's own request object. */
  readonly original: unknown;
}

export interface CookieOptions {
  name: string;
  value: string;
  path: string;
  domain?: string | undefined;
  expires: number;
  httpOnly: boolean;
  secure: boolean;
  sameSite: "strict" | "lax" | "none";
}

export interface HttpResponse {
  setStatus(status: number): void;
  /** Sets a header; with `append`, adds to a comma-separated list without duplicates. */
  setHeader(name: string, value: string, append?: boolean): void;
  removeHeader(name: string): void;
  /** Adds a Set-Cookie, replacing one set earlier in this response for the same name, path and domain. */
  setCookie(cookie: CookieOptions): void;
  /** Writes the status set before (200 by default) and a JSON body, and ends the response. */
  sendJSON(body: unknown): void;
  /** True once the response is on its way and can no longer be changed. */
  isSent(): boolean;
  readonly original: unknown;
}

/** Largest request body tessera parses (its own endpoints take small JSON objects). */
export const MAX_BODY_BYTES = 64 * 1024;

/** Parses a Cookie header into name → values, keeping duplicates in order. Malformed pairs are skipped. */
export function parseCookieHeader(header: string | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!header) return out;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      value = decodeURIComponent(value);
    } catch {
      continue;
    }
    const list = out.get(name);
    if (list) list.push(value);
    else out.set(name, [value]);
  }
  return out;
}

export function serializeCookie(cookie: CookieOptions): string {
  const parts = [`${cookie.name}=${encodeURIComponent(cookie.value)}`, `Path=${cookie.path}`];
  if (cookie.domain) parts.push(`Domain=${cookie.domain}`);
  parts.push(`Expires=${new Date(cookie.expires).toUTCString()}`);
  if (cookie.httpOnly) parts.push("HttpOnly");
  if (cookie.secure) parts.push("Secure");
  parts.push(`SameSite=${cookie.sameSite === "none" ? "None" : cookie.sameSite === "lax" ? "Lax" : "Strict"}`);
  return parts.join("; ");
}

/** Key that identifies a Set-Cookie for replacement: name, path and domain. */
export function setCookieIdentity(setCookie: string): string {
  const [pair = "", ...attributes] = setCookie.split(";");
  const name = pair.slice(0, pair.indexOf("=")).trim();
  let path = "";
  let domain = "";
  for (const attribute of attributes) {
    const [key = "", value = ""] = attribute.trim().split("=");
    if (key.toLowerCase() === "path") path = value;
    if (key.toLowerCase() === "domain") domain = value.toLowerCase();
  }
  return `${name};${path};${domain}`;
}

/** Returns `existing` with `next` added, dropping an earlier Set-Cookie of the same identity. */
export function upsertSetCookie(existing: readonly string[], next: string): string[] {
  const identity = setCookieIdentity(next);
  return [...existing.filter((c) => setCookieIdentity(c) !== identity), next];
}

/** Adds `value` to a comma-separated header list unless it is already there. */
export function appendHeaderValue(current: string | undefined, value: string): string {
  if (!current) return value;
  const items = current.split(",").map((v) => v.trim());
  for (const v of value.split(",").map((x) => x.trim())) if (!items.includes(v)) items.push(v);
  return items.join(", ");
}

/** `application/json`, or a `+json` type, with any parameters. */
const JSON_CONTENT_TYPE = /^\s*application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

/**
 * The JSON body of a request to one of tessera's endpoints. A body must say it is JSON; one that
 * does not is refused unread with 415. A page on another site can send, without a CORS preflight,
 * only a body typed as a form (text/plain, urlencoded, multipart) or not typed at all (a Blob in
 * fetch's no-cors mode, sendBeacon): if such a body were read as JSON, the page could sign its
 * visitor in to an account of the attacker's (login CSRF). SuperTokens' SDKs send application/json.
 * A request without a body needs no type.
 */
export function readJSONBody(req: HttpRequest): Promise<unknown> {
  const contentType = req.getHeader("content-type");
  const refused = contentType === undefined ? hasBody(req) : !JSON_CONTENT_TYPE.test(contentType);
  if (refused) return Promise.reject(new BadInputError("Send the request body as JSON, with content-type: application/json", 415));
  return req.getJSONBody();
}

function hasBody(req: HttpRequest): boolean {
  const length = req.getHeader("content-length");
  return (length !== undefined && length.trim() !== "0") || req.getHeader("transfer-encoding") !== undefined;
}

/** Parses a JSON body from raw text: empty means `{}`, anything else must be valid JSON. */
export function parseJSONBody(text: string): unknown {
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new BadInputError("Request body is not valid JSON");
  }
}

/**
 * Reads a request body into text, refusing more than {@link MAX_BODY_BYTES}.
 *
 * Not a `for await` loop: leaving one early destroys the request, and with it a keep-alive
 * connection that the 400 still has to go out on, so the next request on it would hang. Past the
 * limit this stops collecting and lets the rest of the body drain (`resume()` with no listener
 * drops it), which leaves the connection usable. A client that goes away mid-body gets a 400 too,
 * not a raw "aborted" error for the app's error handler.
 */
export function readBodyText(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      stream.removeListener("data", onData);
      stream.removeListener("end", onEnd);
      stream.removeListener("error", onError);
      stream.removeListener("close", onError);
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > MAX_BODY_BYTES) {
        stop();
        stream.on("error", () => undefined); // the rest is dropped; an error there is nobody's
        stream.resume();
        reject(new BadInputError("Request body is too large"));
        return;
      }
      chunks.push(buffer);
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks).toString("utf8"));
    };
    const onError = () => {
      stop();
      reject(new BadInputError("Request body was not received completely"));
    };
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("error", onError);
    stream.on("close", onError); // closed before its end: the client went away
  });
}

// ---- reading a node:http request cheaply (shared by the adapters over it) ----

/**
 * A header of a node:http request by lower-case name, every line joined with ", " in the order
 * sent: exactly `headersDistinct[name].join(", ")`, which is built from the same `rawHeaders`, but
 * without building `headersDistinct` (a copy of every header) on each request. (`headers` will not
 * do: it keeps only the first Authorization line, and a repeated bearer token must be refused.)
 */
export function readNodeHeader(rawHeaders: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const rawName = rawHeaders[i] as string;
    if (rawName.length !== name.length || (rawName !== name && rawName.toLowerCase() !== name)) continue;
    const line = rawHeaders[i + 1] as string;
    value = value === undefined ? line : `${value}, ${line}`;
  }
  return value;
}

// A request target whose path new URL() returns unchanged: origin-form, no "%" (percent-decoding
// and "%2e" dot segments), none of the characters URL escapes or rewrites ("\\", space, quotes...),
// no "." or ".." segment, and not "//" (which URL reads as a host).
const PLAIN_PATH = /^\/(?!\/)[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

/** The path of a raw request target as `new URL(target, "http://localhost").pathname` reads it, without the URL parser when the path is plain. */
export function requestPath(target: string): string {
  const q = target.indexOf("?");
  const plain = q === -1 ? target : target.slice(0, q);
  return PLAIN_PATH.test(plain) && !DOT_SEGMENT.test(plain) ? plain : new URL(target, "http://localhost").pathname;
}

/** What {@link NodeHttpRequest} reads of a node:http IncomingMessage (Express's request is one). */
export interface NodeMessage {
  readonly rawHeaders: string[];
  readonly headers: { cookie?: string | undefined };
  readonly socket?: { remoteAddress?: string | undefined } | null;
}

/** The answer for a cookie that is not there: shared, so frozen (callers only read it). */
const NO_VALUES: string[] = Object.freeze([]) as unknown as string[];

/**
 * The neutral request over a node:http message, for the adapters whose frameworks are built on it.
 * A class, not an object literal of closures: one allocation per request, methods shared, and
 * the URL parser runs only if the query is read.
 */

export abstract class NodeHttpRequest implements HttpRequest {
  readonly method: string;
  readonly path: string;
  private url: URL | undefined;
  private cookies: Map<string, string[]> | null | undefined; // null: the request has no cookie
  private body: Promise<unknown> | undefined;
  // Read off the message once (and the Cookie header once, below). Under Express every request
  // object ends with a map of its own (its prototype is swapped, and V8 caches no property
  // transitions after that), so each read of a property of `req` is a megamorphic lookup: a verify
  // asks for five headers and two cookies.
  private readonly rawHeaders: readonly string[];

  constructor(
    readonly original: unknown,
    protected readonly message: NodeMessage,
    method: string,
    private readonly target: string,
  ) {
    this.method = method.toUpperCase();
    this.path = requestPath(target);
    this.rawHeaders = message.rawHeaders;
  }

  /** Read only by the per-address limits: a getter, so no other request asks the socket. */
  get remoteAddress(): string | undefined {
    return this.message.socket?.remoteAddress;
  }

  get query(): URLSearchParams {
    return (this.url ??= new URL(this.target, "http://localhost")).searchParams;
  }

  getHeader(name: string): string | undefined {
    return readNodeHeader(this.rawHeaders, name.toLowerCase());
  }

  getCookieValues(name: string): string[] {
    if (this.cookies === undefined) {
      // Read from `headers`, not rawHeaders: what node:http kept (maxHeadersCount) and what the
      // app's middleware left there, as cookie-parser and the app's own code see it. Middleware may
      // strip cookies on some routes, or add one (a Next.js middleware's request headers do), and
      // both must be obeyed whatever the client sent. Under Express this getter read is a
      // megamorphic miss (~8k instructions a verify, ~2%), the price of seeing what the app sees.
      // Header-mode clients send no cookies: nothing parsed, nothing allocated.
      const header = this.message.headers.cookie;
      this.cookies = header === undefined || header === "" ? null : parseCookieHeader(header);
    }
    return this.cookies?.get(name) ?? NO_VALUES;
  }

  getJSONBody(): Promise<unknown> {
    return (this.body ??= this.readJSONBody());
  }

  /** Reads the body once: from the framework's parser when it ran, else from the stream. */
  protected abstract readJSONBody(): Promise<unknown>;
}

// ---- native request/response → neutral ----

/** Adapters stash the neutral wrappers on the native objects, so module functions called with `req, res` find them. */
export const NEUTRAL = Symbol.for("tessera.neutral");

export interface FrameworkWrapper {
  wrapRequest(native: unknown): HttpRequest;
  wrapResponse(native: unknown): HttpResponse;
}

// One map per process, shared by every loaded copy of tessera (see core/instance.ts).
const WRAPPERS = Symbol.for("tessera.frameworkWrappers");
const frameworkWrappers: Map<string, FrameworkWrapper> = ((globalThis as unknown as { [WRAPPERS]?: Map<string, FrameworkWrapper> })[WRAPPERS] ??= new Map());

/** Each adapter registers how to wrap its native objects when its module loads. */
export function registerFrameworkWrapper(framework: string, wrapper: FrameworkWrapper): void {
  frameworkWrappers.set(framework, wrapper);
}

function isNeutralRequest(value: unknown): value is HttpRequest {
  return typeof value === "object" && value !== null && typeof (value as HttpRequest).getCookieValues === "function" && typeof (value as HttpRequest).getJSONBody === "function";
}

function isNeutralResponse(value: unknown): value is HttpResponse {
  return typeof value === "object" && value !== null && typeof (value as HttpResponse).setCookie === "function" && typeof (value as HttpResponse).isSent === "function";
}

/** Turns what an app passes to `Session.getSession(req, res)` into the neutral pair. */
export function toNeutral(framework: string, req: unknown, res: unknown): { req: HttpRequest; res: HttpResponse } {
  const stashedReq = (req as { [NEUTRAL]?: HttpRequest } | undefined)?.[NEUTRAL];
  const stashedRes = (res as { [NEUTRAL]?: HttpResponse } | undefined)?.[NEUTRAL];
  const wrapper = frameworkWrappers.get(framework);
  const request = isNeutralRequest(req) ? req : stashedReq ?? wrapper?.wrapRequest(req);
  const response = isNeutralResponse(res) ? res : stashedRes ?? wrapper?.wrapResponse(res);
  if (!request || !response) {
    throw new Error(`tessera cannot read this request: import the adapter for framework "${framework}" (tessera/framework/${framework}) before calling session functions with req and res`);
  }
  return { req: request, res: response };
}

// ---- for frameworks whose handlers return the response as a value ----

/** What a {@link createCollectingResponse} recorded, for the adapter to turn into the framework's own response. */
export interface CollectedResponse {
  status: number;
  /** By lower-case name; `content-type` is set once a body is sent. Set-Cookie lives in `cookies`. */
  headers: Map<string, string>;
  /** One Set-Cookie line each, in order (never merged into one header). */
  cookies: string[];
  /** The JSON text once `sendJSON` ran, else undefined. */
  body: string | undefined;
}

export interface CollectingResponse extends HttpResponse {
  readonly collected: CollectedResponse;
}

/**
 * An HttpResponse that records instead of writing, for frameworks that build their reply from a
 * value (Hapi, AWS Lambda, fetch-style handlers): the adapter copies `collected` into the reply it
 * returns, or into the app's own reply. `committed` tells it when the native response already left.
 */
export function createCollectingResponse(original: unknown, committed: () => boolean = () => false): CollectingResponse {
  const collected: CollectedResponse = { status: 200, headers: new Map(), cookies: [], body: undefined };
  const isSent = () => collected.body !== undefined || committed();
  return {
    collected,
    setStatus: (code) => {
      collected.status = code;
    },
    setHeader: (name, value, append = false) => {
      if (isSent()) return;
      const key = name.toLowerCase();
      collected.headers.set(key, append ? appendHeaderValue(collected.headers.get(key), value) : value);
    },
    removeHeader: (name) => {
      if (!isSent()) collected.headers.delete(name.toLowerCase());
    },
    setCookie: (cookie) => {
      if (!isSent()) collected.cookies = upsertSetCookie(collected.cookies, serializeCookie(cookie));
    },
    sendJSON: (body) => {
      if (isSent()) return;
      collected.headers.set("content-type", "application/json; charset=utf-8");
      collected.body = JSON.stringify(body);
    },
    isSent,
    original,
  };
}

/**
 * How session tokens travel (protocol 1.4–1.7): cookies or headers, the front-token, anti-CSRF,
 * and clearing. Works on the neutral request/response only.
 */
import { type HttpRequest, type HttpResponse } from "../../core/http.js";
import { now } from "../../core/clock.js";
import { TesseraError } from "../../core/errors.js";
import type { NormalisedSessionConfig, TokenTransferMethod } from "./types.js";

export const ACCESS_TOKEN_COOKIE = "sAccessToken";
export const REFRESH_TOKEN_COOKIE = "sRefreshToken";
export const LEGACY_ID_REFRESH_COOKIE = "sIdRefreshToken";
export const ACCESS_TOKEN_HEADER = "st-access-token";
export const REFRESH_TOKEN_HEADER = "st-refresh-token";
const FRONT_TOKEN_HEADER = "front-token";
const ANTI_CSRF_HEADER = "anti-csrf";
const YEAR_MS = 365 * 24 * 3600 * 1000;
const EPOCH = 0;

/** Headers the frontend sends to us; the app lists them in its CORS allowed headers. */
export const SESSION_CORS_HEADERS = ["anti-csrf", "rid", "fdi-version", "authorization", "st-auth-mode"] as const;

export type TokenType = "access" | "refresh";

function setExposedHeader(res: HttpResponse, name: string, value: string): void {
  res.setHeader(name, value);
  res.setHeader("Access-Control-Expose-Headers", name, true);
}

function cookieFor(config: NormalisedSessionConfig, type: TokenType, value: string, expires: number) {
  return {
    name: type === "access" ? ACCESS_TOKEN_COOKIE : REFRESH_TOKEN_COOKIE,
    value,
    path: type === "access" ? config.accessTokenPath : config.refreshTokenPath,
    domain: config.cookieDomain,
    expires,
    httpOnly: true,
    secure: config.cookieSecure,
    sameSite: config.cookieSameSite,
  };
}

/** Browsers keep a cookie whose name and value fit in 4096 bytes (RFC 6265 6.1); a longer one is dropped without a word. */
const MAX_COOKIE_BYTES = 4096;

export function setToken(config: NormalisedSessionConfig, res: HttpResponse, type: TokenType, value: string, expires: number, method: TokenTransferMethod): void {
  if (method === "header") return setExposedHeader(res, type === "access" ? ACCESS_TOKEN_HEADER : REFRESH_TOKEN_HEADER, value);
  const cookie = cookieFor(config, type, value, expires);
  const bytes = Buffer.byteLength(cookie.name) + 1 + Buffer.byteLength(value);
  // Fail where the app can see it: a dropped cookie would look like a sign-out on the next request.
  if (bytes > MAX_COOKIE_BYTES) {
    throw new TesseraError(
      "COOKIE_TOO_LARGE",
      `The ${cookie.name} cookie would be ${bytes} bytes; browsers drop a cookie over ${MAX_COOKIE_BYTES}, so this session would not reach the next request. Keep the access-token payload small (put large data in the session's database data: updateSessionDataInDatabase), or use header mode.`,
    );
  }
  res.setCookie(cookie);
}

export function setAccessTokenInResponse(
  config: NormalisedSessionConfig,
  res: HttpResponse,
  accessToken: string,
  frontToken: string,
  method: TokenTransferMethod,
): void {
  setExposedHeader(res, FRONT_TOKEN_HEADER, frontToken);
  // The cookie outlives the JWT on purpose: an expired token must still reach us to answer "try refresh token".
  setToken(config, res, "access", accessToken, now() + YEAR_MS, method);
  if (method === "cookie" && config.exposeAccessTokenToFrontendInCookieBasedAuth) setExposedHeader(res, ACCESS_TOKEN_HEADER, accessToken);
}

export function setAntiCsrfTokenInResponse(res: HttpResponse, antiCsrfToken: string): void {
  setExposedHeader(res, ANTI_CSRF_HEADER, antiCsrfToken);
}

/** Clears the tokens of one transfer method. */
export function clearTokens(config: NormalisedSessionConfig, res: HttpResponse, method: TokenTransferMethod): void {
  setToken(config, res, "access", "", EPOCH, method);
  setToken(config, res, "refresh", "", EPOCH, method);
  res.removeHeader(ANTI_CSRF_HEADER);
  setExposedHeader(res, FRONT_TOKEN_HEADER, "remove");
}

/** Clears both methods: used when we cannot know what the client holds (unauthorised, theft). */
export function clearAllTokens(config: NormalisedSessionConfig, res: HttpResponse): void {
  clearTokens(config, res, "cookie");
  clearTokens(config, res, "header");
}

/** The token of `type` carried by `method`, or undefined. Header mode reads `Authorization: Bearer <token>`. */
export function getToken(req: HttpRequest, type: TokenType, method: TokenTransferMethod): string | undefined {
  if (method === "cookie") {
    const values = req.getCookieValues(type === "access" ? ACCESS_TOKEN_COOKIE : REFRESH_TOKEN_COOKIE);
    const first = values[0];
    return first === undefined || first === "" ? undefined : first;
  }
  const authorization = req.getHeader("authorization");
  if (authorization === undefined || !authorization.startsWith("Bearer ")) return undefined;
  const token = authorization.slice("Bearer ".length).trim();
  return token === "" || token.includes(",") ? undefined : token;
}

export function getAntiCsrfTokenFromRequest(req: HttpRequest): string | undefined {
  return req.getHeader(ANTI_CSRF_HEADER);
}

/** True when the request carries any `rid` header: the VIA_CUSTOM_HEADER anti-CSRF proof (protocol 1.5). */
export function hasCustomHeader(req: HttpRequest): boolean {
  return req.getHeader("rid") !== undefined;
}

export function hasMultipleAccessTokenCookies(req: HttpRequest): boolean {
  return req.getCookieValues(ACCESS_TOKEN_COOKIE).length > 1;
}

/** Checks and normalises `Session.init(config)` once, at init. */
import type { AppInfo } from "../../core/app-info.js";
import { ConfigError } from "../../core/errors.js";
import type { CookieSameSite, NormalisedSessionConfig, SessionConfig } from "./types.js";

const HOUR = 3600;
const DAY = 24 * HOUR;

function isLocalOrIP(hostname: string): boolean {
  return hostname === "localhost" || hostname.endsWith(".localhost") || /^[\d.]+$/.test(hostname) || hostname.includes(":") || hostname.startsWith("[");
}

/** The registrable part of a host name, approximated by its last two labels (or the whole host for localhost and IPs). */
function topLevelDomain(hostname: string): string {
  if (isLocalOrIP(hostname)) return hostname;
  return hostname.split(".").slice(-2).join(".");
}

/** SameSite defaults to lax when the API and the website share protocol and top-level domain, else none (protocol 1.5). */
function defaultSameSite(appInfo: AppInfo): CookieSameSite {
  const api = new URL(appInfo.apiDomain);
  const web = new URL(appInfo.websiteDomain);
  return api.protocol === web.protocol && topLevelDomain(api.hostname) === topLevelDomain(web.hostname) ? "lax" : "none";
}

function seconds(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback * 1000;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new ConfigError(`Session.init: ${field} must be a positive number of seconds`);
  return value * 1000;
}

export function normaliseSessionConfig(config: SessionConfig, appInfo: AppInfo): NormalisedSessionConfig {
  const cookieSameSite = config.cookieSameSite ?? defaultSameSite(appInfo);
  if (!["strict", "lax", "none"].includes(cookieSameSite)) throw new ConfigError('Session.init: cookieSameSite must be "strict", "lax" or "none"');
  if (config.cookieSecure !== undefined && typeof config.cookieSecure !== "boolean") throw new ConfigError("Session.init: cookieSecure must be true or false");
  const cookieSecure = config.cookieSecure ?? appInfo.apiDomain.startsWith("https");
  const antiCsrf = config.antiCsrf ?? (cookieSameSite === "none" ? "VIA_CUSTOM_HEADER" : "NONE");
  if (!["VIA_TOKEN", "VIA_CUSTOM_HEADER", "NONE"].includes(antiCsrf)) throw new ConfigError('Session.init: antiCsrf must be "VIA_TOKEN", "VIA_CUSTOM_HEADER" or "NONE"');
  const sessionExpiredStatusCode = config.sessionExpiredStatusCode ?? 401;
  const invalidClaimStatusCode = config.invalidClaimStatusCode ?? 403;
  for (const [field, code] of [["sessionExpiredStatusCode", sessionExpiredStatusCode], ["invalidClaimStatusCode", invalidClaimStatusCode]] as const) {
    if (!Number.isInteger(code) || code < 400 || code > 499) throw new ConfigError(`Session.init: ${field} must be a 4xx status code`);
  }
  if (sessionExpiredStatusCode === invalidClaimStatusCode) {
    throw new ConfigError("Session.init: sessionExpiredStatusCode and invalidClaimStatusCode must differ (the frontend tells them apart by status)");
  }
  const accessTokenPath = config.accessTokenPath ?? "/";
  if (!accessTokenPath.startsWith("/")) throw new ConfigError('Session.init: accessTokenPath must start with "/"');
  const maxLifetime = config.sessionMaxLifetime === undefined ? undefined : seconds(config.sessionMaxLifetime, 0, "sessionMaxLifetime");
  return {
    cookieSecure,
    cookieSameSite,
    cookieDomain: config.cookieDomain,
    olderCookieDomain: config.olderCookieDomain,
    accessTokenPath,
    refreshTokenPath: `${appInfo.apiBasePath}/session/refresh`,
    sessionExpiredStatusCode,
    invalidClaimStatusCode,
    antiCsrf,
    getTokenTransferMethod: config.getTokenTransferMethod ?? defaultGetTokenTransferMethod,
    exposeAccessTokenToFrontendInCookieBasedAuth: config.exposeAccessTokenToFrontendInCookieBasedAuth ?? false,
    useDynamicAccessTokenSigningKey: config.useDynamicAccessTokenSigningKey ?? true,
    accessTokenValidityMs: seconds(config.accessTokenValidity, HOUR, "accessTokenValidity"),
    refreshTokenValidityMs: seconds(config.refreshTokenValidity, 100 * DAY, "refreshTokenValidity"),
    sessionMaxLifetimeMs: maxLifetime,
    refreshGracePeriodMs: config.refreshGracePeriod === 0 ? 0 : seconds(config.refreshGracePeriod, 10, "refreshGracePeriod"),
    signingKeyRotationIntervalMs: seconds(config.signingKeyRotationInterval, 7 * DAY, "signingKeyRotationInterval"),
    clockSkewLeewayMs: config.clockSkewLeeway === 0 ? 0 : seconds(config.clockSkewLeeway, 30, "clockSkewLeeway"),
    issuer: appInfo.apiDomain + appInfo.apiBasePath,
    verifiedTokenCacheSize: cacheSize(config.verifiedTokenCacheSize),
    allowInsecureSameSiteNone: isLocalOrIP(new URL(appInfo.apiDomain).hostname) && isLocalOrIP(new URL(appInfo.websiteDomain).hostname),
  };
}

function cacheSize(value: number | undefined): number {
  if (value === undefined) return 10_000;
  if (!Number.isInteger(value) || value < 0) throw new ConfigError("Session.init: verifiedTokenCacheSize must be a whole number, 0 to turn the cache off");
  return value;
}

/** Verifying and refreshing accept either method; a new session follows `st-auth-mode` (protocol 1.7). */
const defaultGetTokenTransferMethod: NormalisedSessionConfig["getTokenTransferMethod"] = ({ req, forCreateNewSession }) => {
  if (!forCreateNewSession) return "any";
  const mode = req.getHeader("st-auth-mode")?.toLowerCase();
  return mode === "header" || mode === "cookie" ? mode : "any";
};

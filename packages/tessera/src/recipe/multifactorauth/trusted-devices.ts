/**
 * Trusted devices ("remember this device for N days"): the device cookie, its server-side record,
 * and the check that lets a remembered device stand in for the second factor at sign-in. The HTTP
 * endpoints are in trusted-devices-routes.ts.
 *
 * - The cookie holds `<deviceId>.<secret>`: the id names the record (not a secret), the secret is
 *   32 bytes from the CSPRNG. Storage keeps only sha256(secret); 256 random bits need no salt or
 *   slow hash. The hash is compared in constant time.
 * - A record is bound to one user and tenant. A cookie presented at another user's sign-in is
 *   ignored: not used, not rotated, not deleted (it is not theirs to spend).
 * - Every use rotates the secret with one compare-and-set, and the new cookie goes out in the same
 *   response, so a copied cookie is spent by whichever side uses it first.
 * - A rotated-out (old) secret is ignored, and the record is kept. Revoking on reuse would detect a
 *   copied cookie used after its owner, but also lets duplicate requests (two tabs, a retry after a
 *   lost response) wipe the user's own device; a copied cookie alone grants nothing without the
 *   password, so we prefer not to turn it into a way to sign the owner's device out.
 * - Every device of a user is forgotten when their factors or password change and when they are
 *   signed out everywhere (core/user-events.ts, called by the recipes that cause those events).
 */
import type { AppInfo } from "../../core/app-info.js";
import { now } from "../../core/clock.js";
import { constantTimeEqual, randomId, randomToken, sha256Hex } from "../../core/crypto/random.js";
import { ConfigError } from "../../core/errors.js";
import type { HttpRequest, HttpResponse } from "../../core/http.js";
import { getInstance } from "../../core/instance.js";
import type { Storage, TrustedDeviceRow } from "../../core/storage.js";
import type { UserContext } from "../session/index.js";
import type { TrustedDevicesConfig } from "./types.js";

export interface NormalisedTrustedDevices {
  validityMs: number;
  cookieName: string;
  /** The API base path: the cookie goes only to tessera's endpoints, never to the app's pages. */
  cookiePath: string;
  secure: boolean;
  sameSite: "lax" | "strict" | "none";
}

export interface DeviceCookie {
  deviceId: string;
  token: string;
}

const DAY_MS = 86_400_000;
const SECRET_BYTES = 32;
/** A UUID, a dot, and 32 bytes in base64url (43 characters). */
const COOKIE_SHAPE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;
/** RFC 6265 cookie-name (an RFC 7230 token). */
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** At most this many cookie values of the name are looked at (duplicates from other paths). */
const MAX_COOKIES = 3;
const MAX_LABEL_LENGTH = 200;

/** Checks `trustedDevices` at init; undefined when the feature is off. */
export function normaliseTrustedDevicesConfig(input: TrustedDevicesConfig | undefined, appInfo: AppInfo): NormalisedTrustedDevices | undefined {
  if (input === undefined) return undefined;
  if (typeof input !== "object" || input === null) throw new ConfigError("MultiFactorAuth.init: trustedDevices must be an object, e.g. { validityDays: 30 }");
  const days = input.validityDays ?? 30;
  // Browsers cap a cookie's lifetime at 400 days (RFC 6265bis), so a longer record could never be used.
  if (typeof days !== "number" || !Number.isInteger(days) || days < 1 || days > 400) {
    throw new ConfigError(`MultiFactorAuth.init: trustedDevices.validityDays must be a whole number of days from 1 to 400, got ${String(input.validityDays)}`);
  }
  const cookieName = input.cookieName ?? "sTrustedDevice";
  if (typeof cookieName !== "string" || !COOKIE_NAME.test(cookieName)) {
    throw new ConfigError(`MultiFactorAuth.init: trustedDevices.cookieName must be a cookie name (letters, digits, -_.), got ${String(input.cookieName)}`);
  }
  const sameSite = input.cookieSameSite ?? "lax";
  if (sameSite !== "lax" && sameSite !== "strict" && sameSite !== "none") {
    throw new ConfigError('MultiFactorAuth.init: trustedDevices.cookieSameSite must be "lax", "strict" or "none"');
  }
  const secure = appInfo.apiDomain.startsWith("https://");
  if (sameSite === "none" && !secure) {
    throw new ConfigError('MultiFactorAuth.init: trustedDevices.cookieSameSite "none" needs an https apiDomain (browsers drop SameSite=None cookies without Secure)');
  }
  return { validityMs: days * DAY_MS, cookieName, cookiePath: appInfo.apiBasePath === "" ? "/" : appInfo.apiBasePath, secure, sameSite };
}

export const hashDeviceSecret = (secret: string): string => sha256Hex(secret);

/** The cookie's id and secret, or undefined when the value does not have the shape we issue. */
export function parseDeviceCookie(value: string): DeviceCookie | undefined {
  const match = COOKIE_SHAPE.exec(value);
  return match?.[1] && match[2] ? { deviceId: match[1], token: match[2] } : undefined;
}

/** Well-formed device cookies the request carries (the first few, in the order sent). */
export function deviceCookiesOf(req: HttpRequest, config: NormalisedTrustedDevices): DeviceCookie[] {
  return req
    .getCookieValues(config.cookieName)
    .slice(0, MAX_COOKIES)
    .map(parseDeviceCookie)
    .filter((cookie): cookie is DeviceCookie => cookie !== undefined);
}

/** The live record the cookie names, whoever owns it, if the secret matches; else undefined. */
export async function findDevice(storage: Storage, cookie: DeviceCookie, atMs: number): Promise<TrustedDeviceRow | undefined> {
  const row = await storage.trustedDevices.get(cookie.deviceId);
  if (!row) return undefined;
  if (!constantTimeEqual(hashDeviceSecret(cookie.token), row.tokenHash)) return undefined;
  return row.expiresAt > atMs ? row : undefined;
}

/** The first device cookie of the request that names a live device of this user and tenant. */
export async function findOwnDevice(storage: Storage, req: HttpRequest, config: NormalisedTrustedDevices, userId: string, tenantId: string): Promise<TrustedDeviceRow | undefined> {
  const at = now();
  for (const cookie of deviceCookiesOf(req, config)) {
    const row = await findDevice(storage, cookie, at);
    if (row && row.userId === userId && row.tenantId === tenantId) return row;
  }
  return undefined;
}

export function setDeviceCookie(res: HttpResponse, config: NormalisedTrustedDevices, value: string, expiresAt: number): void {
  res.setCookie({ name: config.cookieName, value, path: config.cookiePath, expires: expiresAt, httpOnly: true, secure: config.secure, sameSite: config.sameSite });
}

export function clearDeviceCookie(res: HttpResponse, config: NormalisedTrustedDevices): void {
  setDeviceCookie(res, config, "", 0);
}

/** A short, printable label from the User-Agent header (the user reads it in their device list). */
export function labelFromUserAgent(userAgent: string | undefined): string {
  const label = (userAgent ?? "").replace(/[\u0000-\u001f\u007f]/g, " ").replace(/\s+/g, " ").trim().slice(0, MAX_LABEL_LENGTH);
  return label === "" ? "Unknown device" : label;
}

/** Creates a device record for the user; returns it and the cookie value (the only copy of the secret). */
export async function rememberDevice(
  storage: Storage,
  config: NormalisedTrustedDevices,
  input: { userId: string; tenantId: string; label: string },
): Promise<{ row: TrustedDeviceRow; cookieValue: string }> {
  const at = now();
  const secret = randomToken(SECRET_BYTES);
  const row: TrustedDeviceRow = {
    id: randomId(),
    userId: input.userId,
    tenantId: input.tenantId,
    tokenHash: hashDeviceSecret(secret),
    label: input.label,
    createdAt: at,
    lastUsedAt: at,
    expiresAt: at + config.validityMs,
  };
  await storage.trustedDevices.create(row);
  return { row, cookieValue: `${row.id}.${secret}` };
}

/** The request and response tessera's router put in the userContext (see core/router.ts). */
function requestOf(userContext: UserContext): { req: HttpRequest | undefined; res: HttpResponse | undefined } {
  const defaults = userContext._default as { request?: HttpRequest; response?: HttpResponse } | undefined;
  return { req: defaults?.request, res: defaults?.response };
}

/**
 * At the claim computation of a sign-in: true when the request carries the cookie of a live
 * device of this user and tenant, which is then rotated (the new cookie is set on the response).
 * Needs both the request and the response in `userContext` (tessera's own endpoints have them);
 * without the response the secret could not be rotated, so the device is not used.
 */
export async function useTrustedDevice(input: { storage: Storage; config: NormalisedTrustedDevices; userId: string; tenantId: string; userContext: UserContext }): Promise<boolean> {
  const { storage, config, userId, tenantId } = input;
  const { req, res } = requestOf(input.userContext);
  if (!req || !res || res.isSent()) return false;
  const at = now();
  for (const cookie of deviceCookiesOf(req, config)) {
    const row = await findDevice(storage, cookie, at);
    // Another user's device (a copied cookie, a shared computer): ignored, neither used nor touched.
    if (!row || row.userId !== userId || row.tenantId !== tenantId) continue;
    const next = randomToken(SECRET_BYTES);
    // Lost a race with another use of the same secret: that one spent it.
    if (!(await storage.trustedDevices.rotate(row.id, row.tokenHash, hashDeviceSecret(next), at))) continue;
    setDeviceCookie(res, config, `${row.id}.${next}`, row.expiresAt);
    return true;
  }
  return false;
}

/** `MultiFactorAuth.revokeAllTrustedDevicesForUser`: forgets the user's devices (in one tenant, or all); returns how many. */
export async function revokeAllTrustedDevicesForUser(userId: string, tenantId?: string): Promise<number> {
  return getInstance().storage.trustedDevices.deleteForUser(userId, tenantId);
}

/**
 * The two session tokens.
 *
 * Access token: a JWS (RS256) whose header is `{alg, typ:"JWT", version:"5", kid}` and whose payload
 * carries the ten standard fields of protocol 1.2 plus the user payload and claims. Verification is
 * written over node:crypto with the algorithm pinned to RS256 and keys looked up by `kid` in our own
 * key ring only: nothing in the token (alg, jwk, jku, x5u, x5c) chooses the key or the algorithm
 * (RFC 8725 3.1, 3.10). RS256 was chosen by measurement: verification runs on every request and RSA
 * verifies fastest of the asymmetric algorithms on this runtime (see the README and bench/).
 *
 * Refresh token: opaque to the client, `v1.<nonce>.<handle>.<parent hash or ->.<mac>`. The HMAC
 * (key in storage) makes the handle and the parent pointer unforgeable: a token we did not issue
 * cannot point at a session, so garbage never counts as theft. Storage keeps only
 * sha256(sha256(token)).
 */
import { sign as cryptoSign, verify as cryptoVerify, constants, type KeyObject } from "node:crypto";
import { constantTimeEqual, hmacSha256, randomToken, sha256Hex } from "../../core/crypto/random.js";
import type { JSONObject } from "./claims/types.js";

/** Fields that only tessera sets; stripped from any payload an app supplies (protocol 1.2). */
export const PROTECTED_PROPS = ["sub", "iat", "exp", "sessionHandle", "parentRefreshTokenHash1", "refreshTokenHash1", "antiCsrfToken", "rsub", "tId", "stt"] as const;

export interface AccessTokenPayload extends JSONObject {
  sub: string;
  rsub: string;
  exp: number;
  iat: number;
  sessionHandle: string;
  refreshTokenHash1: string;
  parentRefreshTokenHash1: string | null;
  antiCsrfToken: string | null;
  tId: string;
}

export interface ParsedAccessToken {
  header: Readonly<Record<string, unknown>>;
  payload: AccessTokenPayload;
  signingInput: string;
  signature: Buffer;
}

const B64URL = /^[A-Za-z0-9_-]*$/;
const MAX_TOKEN_LENGTH = 16 * 1024;

/**
 * The bytes of a segment in canonical base64url (RFC 7515 2: no padding, no other characters), or
 * undefined. Node's decoder skips characters outside the alphabet and takes the standard alphabet
 * too, so the bytes are encoded again and compared: one pass of the encoder, where a regular
 * expression over the ~1,000 characters of a token was a quarter of what a cache miss adds to
 * the signature check. Stricter than the alphabet alone: non-zero trailing bits are refused.
 */
function base64urlBytes(segment: string): Buffer | undefined {
  const bytes = Buffer.from(segment, "base64url");
  return bytes.toString("base64url") === segment ? bytes : undefined;
}

function decodeSegment(segment: string): unknown {
  const bytes = base64urlBytes(segment);
  if (bytes === undefined) throw new Error("not base64url");
  return JSON.parse(bytes.toString("utf8"));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Does the payload have the shape of our tokens (v5 structure check)? Used to tell our tokens from an app's own bearer tokens. */
export function hasSessionStructure(payload: unknown): payload is AccessTokenPayload {
  return (
    isObject(payload) &&
    typeof payload.sub === "string" &&
    typeof payload.rsub === "string" &&
    typeof payload.exp === "number" &&
    typeof payload.iat === "number" &&
    typeof payload.sessionHandle === "string" &&
    typeof payload.refreshTokenHash1 === "string" &&
    typeof payload.tId === "string" &&
    (payload.stt === undefined || payload.stt === 0)
  );
}

/**
 * Splits and decodes without checking the signature. Returns undefined when the token is not one
 * of ours at all (not three segments, payload not JSON or not our structure): the caller treats
 * that as "no token". The header is returned as decoded (shared, frozen), checked later by {@link checkHeader}.
 */
export function parseAccessToken(token: string): ParsedAccessToken | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  const firstDot = token.indexOf(".");
  const lastDot = token.lastIndexOf(".");
  if (firstDot === -1 || lastDot === firstDot || token.indexOf(".", firstDot + 1) !== lastDot) return undefined;
  let payload: unknown;
  try {
    payload = decodeSegment(token.slice(firstDot + 1, lastDot));
  } catch {
    return undefined;
  }
  if (!hasSessionStructure(payload)) return undefined;
  return {
    header: decodeHeader(token.slice(0, firstDot)),
    payload,
    signingInput: token.slice(0, lastDot),
    signature: base64urlBytes(token.slice(lastDot + 1)) ?? Buffer.alloc(0),
  };
}

// Every token signed with one key has the same header segment, so its decoding is kept: the same
// bytes always decode to the same object (frozen, shared). Bounded; a flood of made-up headers
// only empties it.
const decodedHeaders = new Map<string, Readonly<Record<string, unknown>>>();
const DECODED_HEADERS_MAX = 64;

function decodeHeader(segment: string): Readonly<Record<string, unknown>> {
  const known = decodedHeaders.get(segment);
  if (known !== undefined) return known;
  let header: unknown;
  try {
    header = decodeSegment(segment);
  } catch {
    header = undefined;
  }
  const decoded = Object.freeze(isObject(header) ? header : {});
  if (decodedHeaders.size >= DECODED_HEADERS_MAX) decodedHeaders.clear();
  decodedHeaders.set(segment, decoded);
  return decoded;
}

/** Header rules for our v5 tokens: pinned algorithm, JWT type, string version, a kid of the expected kind. */
export function checkHeader(header: Readonly<Record<string, unknown>>, expectedKidPrefix: "d-" | "s-"): string | undefined {
  if (header.alg !== "RS256" || header.typ !== "JWT" || header.version !== "5") return undefined;
  if (typeof header.kid !== "string" || !header.kid.startsWith(expectedKidPrefix)) return undefined;
  for (const forbidden of ["jwk", "jku", "x5u", "x5c", "crit"]) if (forbidden in header) return undefined;
  return header.kid;
}

export function verifySignature(parsed: ParsedAccessToken, key: KeyObject): boolean {
  if (parsed.signature.length !== 256) return false;
  // The signing input is base64url text (ASCII; anything else cannot carry our signature), so
  // latin1 gives the same bytes as UTF-8 without the encoder's scan.
  return cryptoVerify("sha256", Buffer.from(parsed.signingInput, "latin1"), { key, padding: constants.RSA_PKCS1_PADDING }, parsed.signature);
}

export function signAccessToken(payload: AccessTokenPayload, kid: string, privateKey: KeyObject): string {
  const header = Buffer.from(JSON.stringify({ alg: "RS256", typ: "JWT", version: "5", kid })).toString("base64url");
  const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
  const signingInput = `${header}.${body}`;
  const signature = cryptoSign("sha256", Buffer.from(signingInput), { key: privateKey, padding: constants.RSA_PKCS1_PADDING });
  return `${signingInput}.${signature.toString("base64url")}`;
}

/** Copy of `payload` without protected fields and without keys whose value is undefined. */
export function stripProtectedProps(payload: JSONObject): JSONObject {
  const out: JSONObject = {};
  for (const [key, value] of Object.entries(payload)) {
    if (value === undefined || (PROTECTED_PROPS as readonly string[]).includes(key)) continue;
    out[key] = value;
  }
  return out;
}

/** The merge update that turns `from` into `to`: changed keys with their new value, removed keys with null. */
export function payloadDelta(from: JSONObject, to: JSONObject): JSONObject {
  const delta: JSONObject = {};
  for (const key of new Set([...Object.keys(from), ...Object.keys(to)])) {
    if (JSON.stringify(from[key]) === JSON.stringify(to[key])) continue;
    delta[key] = key in to ? to[key] : null;
  }
  return delta;
}

/** Shallow merge where a `null` in the update deletes the key (protocol 2.5). */
export function mergePayload(current: JSONObject, update: JSONObject): JSONObject {
  const merged: JSONObject = { ...stripProtectedProps(current) };
  for (const [key, value] of Object.entries(update)) {
    if (value === null) delete merged[key];
    else if (value !== undefined) merged[key] = value;
  }
  return stripProtectedProps(merged);
}

// ---- refresh tokens ----

export interface ParsedRefreshToken {
  nonce: string;
  sessionHandle: string;
  parentRefreshTokenHash1: string | null;
}

const HANDLE = /^[0-9a-f-]{36}$/;
const HASH = /^[0-9a-f]{64}$/;
const MAX_REFRESH_TOKEN_LENGTH = 512;

export function makeRefreshToken(macKey: Buffer, sessionHandle: string, parentRefreshTokenHash1: string | null): string {
  const body = `v1.${randomToken(32)}.${sessionHandle}.${parentRefreshTokenHash1 ?? "-"}`;
  return `${body}.${hmacSha256(macKey, body).toString("base64url")}`;
}

/** Checks format and MAC (in constant time). Undefined for anything we did not issue. */
export function parseRefreshToken(macKey: Buffer, token: string): ParsedRefreshToken | undefined {
  if (typeof token !== "string" || token.length > MAX_REFRESH_TOKEN_LENGTH) return undefined;
  const parts = token.split(".");
  if (parts.length !== 5) return undefined;
  const [version, nonce = "", handle = "", parent = "", mac = ""] = parts;
  if (version !== "v1" || !HANDLE.test(handle) || (parent !== "-" && !HASH.test(parent)) || !B64URL.test(nonce)) return undefined;
  const expected = hmacSha256(macKey, `${version}.${nonce}.${handle}.${parent}`).toString("base64url");
  if (!constantTimeEqual(expected, mac)) return undefined;
  return { nonce, sessionHandle: handle, parentRefreshTokenHash1: parent === "-" ? null : parent };
}

/** sha256 hex, as the access token's `refreshTokenHash1`. */
export const hash1 = (refreshToken: string): string => sha256Hex(refreshToken);
/** What storage keeps: sha256 of hash1. */
export const hash2 = (hash1Value: string): string => sha256Hex(hash1Value);

/** The anti-CSRF token that belongs to a refresh token: derived, so nothing more is stored. */
export function antiCsrfTokenFor(macKey: Buffer, refreshToken: string): string {
  return hmacSha256(macKey, `anti-csrf.${refreshToken}`).toString("base64url");
}

/** `front-token`: base64(JSON {uid, ate, up}), standard (not URL-safe) alphabet (protocol 1.4). */
export function buildFrontToken(userId: string, accessTokenExpiryMs: number, payload: JSONObject): string {
  return Buffer.from(JSON.stringify({ uid: userId, ate: accessTokenExpiryMs, up: payload })).toString("base64");
}

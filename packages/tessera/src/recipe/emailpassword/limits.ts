/**
 * How the emailpassword recipe uses the shared limiter (core/limits.ts).
 *
 * - Per account: a password failure counts toward the account's run of failed credentials,
 *   which TOTP and recovery codes share. A locked account answers sign-in with the same
 *   `WRONG_CREDENTIALS_ERROR`, after the same argon2 work, as a wrong password (SEC-50, ASVS
 *   6.3.8): a locked account and a wrong password, known or unknown email, look alike.
 * - Per client address: 429 with `Retry-After`. That answer is about the client, never about an
 *   account, so it is the same for every email (SEC-50, SEC-51 hold) and tells a real user
 *   behind a busy address why they wait.
 */
import { now } from "../../core/clock.js";
import type { HttpRequest, HttpResponse } from "../../core/http.js";
import { clientAddress, getLimits, limitKeys, release, reserve, resetRuns, type AddressEndpoint, type LimitEntry } from "../../core/limits.js";
import type { Storage } from "../../core/storage.js";
import MultiFactorAuth, { MultiFactorAuthClaim } from "../multifactorauth/index.js";
import type { SessionContainer } from "../session/index.js";

/** The account's entry in the limiter, or none when the account limit is switched off. */
export function accountEntries(userId: string): LimitEntry[] {
  const rule = getLimits().account;
  return rule ? [{ key: limitKeys.account(userId), rule }] : [];
}

/** Counts one event of the endpoint for the client's address: `retryAfterMs` when refused, else `undo` gives it back. */
export async function reserveAddress(storage: Storage, req: HttpRequest, endpoint: AddressEndpoint): Promise<{ retryAfterMs: number | undefined; undo(): Promise<void> }> {
  const rule = getLimits().address[endpoint];
  const address = rule ? clientAddress(req) : undefined;
  if (!rule || address === undefined) return { retryAfterMs: undefined, undo: async () => {} };
  const key = limitKeys.address(endpoint, address);
  const reservation = await reserve(storage.limits, [{ key, rule }], now());
  if (reservation.status === "LIMITED") return { retryAfterMs: reservation.retryAfterMs, undo: async () => {} };
  return { retryAfterMs: undefined, undo: () => release(storage.limits, reservation.held) };
}

/** 429 with `Retry-After` in whole seconds (RFC 9110 §10.2.3), and a body without detail. */
export function sendTooManyRequests(res: HttpResponse, retryAfterMs: number): void {
  res.setStatus(429);
  res.setHeader("Retry-After", String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  res.sendJSON({ message: "Too many requests: try again later" });
}

/**
 * A right password ends the account's run of failures only when it completes the sign-in: with
 * MFA, a session still owing a second factor leaves the run as it is (the second factor's
 * success ends it). Otherwise someone who knows the password could sign in again between
 * guesses at the second factor and never reach the account limit.
 */
export async function settlePasswordSuccess(storage: Storage, userId: string, session?: SessionContainer): Promise<void> {
  const entries = accountEntries(userId);
  if (entries.length === 0) return;
  const complete = !MultiFactorAuth.isInitialised() || (session !== undefined && MultiFactorAuthClaim.getValueFromPayload(session.getAccessTokenPayload())?.v === true);
  if (complete) await resetRuns(storage.limits, entries.map((e) => e.key));
}

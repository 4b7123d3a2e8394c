/**
 * How the passwordless recipe uses the shared limiter (core/limits.ts): every code sent (created
 * or resent) counts per client address (`limits.address.passwordlessCode`) and per email or phone
 * number (`limits.identifier.passwordlessCode`). That bounds SMS pumping (one client sending to
 * many numbers, each message paid for), mail bombing one person, and how many codes, hence
 * guesses, one contact's flows can have. Every request counts, successful or not: each sends.
 *
 * A refused request is answered 429 with `Retry-After`, as the other per-address limits are:
 * the answer is about the request, and it is the same whether an account exists or not.
 */
import { now } from "../../core/clock.js";
import { TesseraError } from "../../core/errors.js";
import type { HttpRequest, HttpResponse } from "../../core/http.js";
import { clientAddress, getLimits, limitKeys, reserve, type LimitEntry } from "../../core/limits.js";
import type { PasswordlessContact, Storage } from "../../core/storage.js";
import { contactKey } from "./contact.js";

/** A code was not sent because a limit is reached: the recipe answers 429 with `Retry-After`. */
export class TooManyRequestsError extends TesseraError {
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number) {
    super("PASSWORDLESS_TOO_MANY_REQUESTS", "Too many codes requested: try again later");
    this.retryAfterMs = retryAfterMs;
  }
}

/** Counts one code sent to `contact` for this client; throws {@link TooManyRequestsError} when refused (and counts nothing then). */
export async function reserveCodeSend(storage: Storage, req: HttpRequest, contact: PasswordlessContact): Promise<void> {
  const limits = getLimits();
  const entries: LimitEntry[] = [];
  const addressRule = limits.address.passwordlessCode;
  const address = addressRule ? clientAddress(req) : undefined;
  if (addressRule && address !== undefined) entries.push({ key: limitKeys.address("passwordlessCode", address), rule: addressRule });
  const identifierRule = limits.identifier.passwordlessCode;
  if (identifierRule) entries.push({ key: limitKeys.identifier("passwordlessCode", contactKey(contact)), rule: identifierRule });
  const reservation = await reserve(storage.limits, entries, now());
  if (reservation.status === "LIMITED") throw new TooManyRequestsError(reservation.retryAfterMs);
}

/** 429 with `Retry-After` in whole seconds (RFC 9110 §10.2.3), and a body without detail. */
export function sendTooManyRequests(res: HttpResponse, retryAfterMs: number): void {
  res.setStatus(429);
  res.setHeader("Retry-After", String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  res.sendJSON({ message: "Too many requests: try again later" });
}

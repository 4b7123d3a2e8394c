/**
 * The one error family of tessera. Every error we throw extends {@link TesseraError} and carries
 * a stable `code`; check with `instanceof` or the code, never with the message.
 *
 * Expected outcomes (wrong password, unknown device, expired code) are status values, not errors.
 * Session failures are thrown as {@link SessionError}; one function in core maps them to HTTP.
 */
export class TesseraError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Input that a client sent and that we cannot accept: answered with 400 `{"message"}` (415 for a body that is not JSON). */
export class BadInputError extends TesseraError {
  constructor(
    message: string,
    readonly status: 400 | 415 = 400,
  ) {
    super("BAD_INPUT", message);
  }
}

/** Misuse or bad configuration: thrown at init (or at first use) with a message that says what to change. */
export class ConfigError extends TesseraError {
  constructor(message: string) {
    super("CONFIG", message);
  }
}

/** The storage behind tessera could not be reached or timed out: answered with 503. */
export class StorageUnavailableError extends TesseraError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("STORAGE_UNAVAILABLE", message, options);
  }
}

/** One validator that failed, as it travels in a 403 body. */
export interface ClaimValidationError {
  id: string;
  reason?: unknown;
}

export type SessionErrorType = "UNAUTHORISED" | "TRY_REFRESH_TOKEN" | "TOKEN_THEFT_DETECTED" | "INVALID_CLAIMS" | "CLEAR_DUPLICATE_SESSION_COOKIES";

export type SessionErrorPayload =
  | { type: "UNAUTHORISED"; clearTokens: boolean }
  | { type: "TRY_REFRESH_TOKEN" }
  | { type: "TOKEN_THEFT_DETECTED"; sessionHandle: string; userId: string; recipeUserId: string }
  | { type: "INVALID_CLAIMS"; claimValidationErrors: ClaimValidationError[] }
  | { type: "CLEAR_DUPLICATE_SESSION_COOKIES" };

/**
 * A session failure. `type` is a closed union; `payload` is typed per type.
 *
 * @example
 * if (err instanceof SessionError && err.type === SessionError.TRY_REFRESH_TOKEN) { ... }
 */
export class SessionError extends TesseraError {
  static readonly UNAUTHORISED = "UNAUTHORISED" as const;
  static readonly TRY_REFRESH_TOKEN = "TRY_REFRESH_TOKEN" as const;
  static readonly TOKEN_THEFT_DETECTED = "TOKEN_THEFT_DETECTED" as const;
  static readonly INVALID_CLAIMS = "INVALID_CLAIMS" as const;
  static readonly CLEAR_DUPLICATE_SESSION_COOKIES = "CLEAR_DUPLICATE_SESSION_COOKIES" as const;

  readonly type: SessionErrorType;
  readonly payload: SessionErrorPayload;

  constructor(payload: SessionErrorPayload, message?: string) {
    super(`SESSION_${payload.type}`, message ?? payload.type.toLowerCase().replace(/_/g, " "));
    this.type = payload.type;
    this.payload = payload;
  }

  static unauthorised(message: string, clearTokens = true): SessionError {
    return new SessionError({ type: "UNAUTHORISED", clearTokens }, message);
  }

  static tryRefresh(message: string): SessionError {
    return new SessionError({ type: "TRY_REFRESH_TOKEN" }, message);
  }

  static invalidClaims(claimValidationErrors: ClaimValidationError[]): SessionError {
    return new SessionError({ type: "INVALID_CLAIMS", claimValidationErrors }, "invalid claim");
  }
}

/**
 * The two translations the PostgreSQL driver makes: `?` placeholders into `$n`, and `pg`'s
 * connection failures into {@link StorageUnavailableError}.
 */
import { BadInputError, StorageUnavailableError } from "../../core/errors.js";

const IDENTIFIER_CHAR = /[A-Za-z0-9_$]/;
const DOLLAR_TAG = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/;
const CACHE_LIMIT = 200;
const rewritten = new Map<string, string>();

/** Index just past the literal or quoted identifier that opens at `start`. */
function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === "\\") i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2; // '' or "" stands for one quote
    else if (c === quote) return i + 1;
    else i += 1;
  }
  return sql.length;
}

/**
 * Rewrites `?` placeholders as `$1`, `$2`, ... in order, leaving any `?` inside string literals
 * (including `E'...'` and `$tag$...$tag$`), quoted identifiers and comments alone.
 */
export function toPostgresPlaceholders(sql: string): string {
  const cached = rewritten.get(sql);
  if (cached !== undefined) return cached;
  let out = "";
  let count = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    const previous = i > 0 ? (sql[i - 1] as string) : "";
    let end = i + 1;
    if (c === "'") {
      const escapes = /[Ee]/.test(previous) && (i < 2 || !IDENTIFIER_CHAR.test(sql[i - 2] as string));
      end = skipQuoted(sql, i, "'", escapes);
    } else if (c === '"') {
      end = skipQuoted(sql, i, '"', false);
    } else if (c === "-" && sql[i + 1] === "-") {
      const newline = sql.indexOf("\n", i);
      end = newline === -1 ? sql.length : newline;
    } else if (c === "/" && sql[i + 1] === "*") {
      const close = sql.indexOf("*/", i + 2);
      end = close === -1 ? sql.length : close + 2;
    } else if (c === "$" && !IDENTIFIER_CHAR.test(previous)) {
      const tag = DOLLAR_TAG.exec(sql.slice(i))?.[0];
      if (tag !== undefined) {
        const close = sql.indexOf(tag, i + tag.length);
        end = close === -1 ? sql.length : close + tag.length;
      }
    } else if (c === "?") {
      count += 1;
      out += `$${count}`;
      i += 1;
      continue;
    }
    out += sql.slice(i, end);
    i = end;
  }
  if (rewritten.size >= CACHE_LIMIT) rewritten.clear();
  rewritten.set(sql, out);
  return out;
}

// Node's socket errors: the database host refused, reset, or could not be found or reached.
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
]);

// SQLSTATEs meaning "not now" rather than "wrong": class 08 connection exception, class 53
// insufficient resources (too many connections, disk full), 57014 statement timeout, 57P01-57P05
// the server shutting down or restarting, 55P03 lock timeout, 25P03 idle-in-transaction timeout,
// and 25006 read-only transaction: after a failover this connection reached a standby.
function isUnavailableSqlState(code: string): boolean {
  return (
    code.startsWith("08") ||
    code.startsWith("53") ||
    code.startsWith("57P") ||
    code === "57014" ||
    code === "55P03" ||
    code === "25P03" ||
    code === "25006"
  );
}

// pg's own messages for a connection that dropped or timed out (it gives them no code).
const PG_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|connection timeout/i;

function isUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null || depth > 3) return false;
  const { code, message, errors } = error as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === "string" && (NETWORK_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && isUnavailableSqlState(code)))) {
    return true;
  }
  if (typeof message === "string" && PG_MESSAGES.test(message)) return true;
  // Node's happy-eyeballs connect reports every address it tried in an AggregateError.
  return Array.isArray(errors) && errors.some((inner) => isUnavailable(inner, depth + 1));
}

/**
 * SQLSTATEs for text PostgreSQL cannot store, which SQLite takes: a NUL byte (22021) or a
 * character outside the database's encoding (22P05). They come from a client's input, so they
 * are a 400, never a 500; the recipes refuse such input first, this is the backstop.
 */
const UNSTORABLE_TEXT = new Set(["22021", "22P05"]);

/**
 * Wraps connection failures and timeouts in {@link StorageUnavailableError}, and text that cannot
 * be stored in {@link BadInputError}; anything else passes unchanged.
 */
export function mapPostgresError(error: unknown): unknown {
  const sqlState = (error as { code?: unknown } | null)?.code;
  if (typeof sqlState === "string" && UNSTORABLE_TEXT.has(sqlState)) return new BadInputError("The input contains a character that cannot be stored");
  if (error instanceof StorageUnavailableError || !isUnavailable(error)) return error;
  const code = (error as { code?: unknown }).code;
  const detail = typeof code === "string" ? code : (error as Error).message;
  return new StorageUnavailableError(`PostgreSQL unavailable (${detail})`, { cause: error });
}

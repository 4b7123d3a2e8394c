/**
 * The few operations the shared SQL storage code runs on. Each dialect (SQLite, PostgreSQL)
 * provides one driver; the driver only runs statements and decides nothing.
 *
 * SQL text always uses `?` placeholders; a driver whose database wants another form (PostgreSQL's
 * `$1`) rewrites them. Statements are written in the subset both SQLite 3.45+ and PostgreSQL 15
 * accept, so one statement serves both dialects unless a migration says otherwise.
 */

export type SqlDialect = "sqlite" | "postgres";

/** A value bound to a `?` placeholder. Booleans and objects are never bound: encode them first. */
export type SqlParam = string | number | bigint | null;

export interface SqlRunResult {
  /** Rows inserted, updated or deleted by the statement. */
  changes: number;
}

export interface SqlDriver {
  readonly dialect: SqlDialect;
  /** Runs a statement that returns no rows (or whose rows are not needed). */
  run(sql: string, params?: readonly SqlParam[]): Promise<SqlRunResult>;
  /** The first row, or `undefined` when there is none. */
  get<T>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined>;
  all<T>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  /**
   * Runs a script of one or more statements without parameters (migrations). Not for values
   * that came from outside: those always go through `run`/`get`/`all` as parameters.
   */
  exec(sql: string): Promise<void>;
  /**
   * Runs `fn` inside one transaction: committed when it resolves, rolled back when it throws
   * (the error is rethrown). Inside `fn`, use only the `tx` driver it receives; calling the outer
   * driver there would wait for the transaction to end, which never happens. Transactions do not
   * nest: `tx.transaction` rejects.
   */
  transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Reads an integer column as a JS number. PostgreSQL drivers hand BIGINT back as a string (and
 * SQLite may as a bigint); timestamps in ms stay well inside the safe-integer range.
 */
export function toNumber(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint" || typeof value === "string") {
    const n = Number(value);
    if (Number.isFinite(n)) return n;
  }
  throw new TypeError(`expected an integer column, got ${typeof value}`);
}

/** Like {@link toNumber}, keeping SQL NULL as `null`. */
export function toNumberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : toNumber(value);
}

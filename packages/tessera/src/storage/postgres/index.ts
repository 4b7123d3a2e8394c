/**
 * PostgreSQL storage: the shared SQL storage over a `pg` connection pool, for running several app
 * instances against one database. Everything that must be shared (refresh-token state, signing
 * keys, TOTP replay and attempt counts, reset tokens) lives in the database; the compare-and-set
 * statements of `storage/sql` make concurrent writers from different processes safe.
 *
 * `pg` is an optional peer dependency, imported on first use, so `import "tessera"` works in a
 * project without it. The storage is returned at once and connects lazily: every call first
 * awaits the pool and the migrations (applied once per process, under an advisory lock so that
 * instances starting together do not race). When the database cannot be reached or does not
 * answer in time, calls reject with {@link StorageUnavailableError} (HTTP 503) and the pool
 * reconnects on later calls once the database is back.
 */
import type { Pool, PoolClient, PoolConfig, QueryResult } from "pg";
import { ConfigError, StorageUnavailableError } from "../../core/errors.js";
import type { Storage } from "../../core/storage.js";
import type { SqlDriver, SqlParam } from "../sql/driver.js";
import { migrate } from "../sql/migrations.js";
import { createSqlStorage } from "../sql/storage.js";
import { mapPostgresError, toPostgresPlaceholders } from "./sql-text.js";

export interface PostgresStorageOptions {
  /** Connections in this process's pool (default 10; in the URL: `?pool=10`). */
  poolSize?: number;
  /** Longest a statement may run, server side; the client gives up 1 s later (default 5000; in the URL: `?statement_timeout=5000`). */
  statementTimeoutMs?: number;
  /** Longest to wait for a new connection or a free pooled one (default 5000; in the URL, in seconds: `?connect_timeout=5`). */
  connectionTimeoutMs?: number;
}

const DEFAULT_POOL_SIZE = 10;
const DEFAULT_STATEMENT_TIMEOUT_MS = 5_000;
const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;
// The server cancels a statement at statement_timeout; the client-side timeout is a little later
// and covers what the server cannot: a network that silently stopped delivering packets.
const CLIENT_TIMEOUT_MARGIN_MS = 1_000;
// A transaction left open by a hung process would hold its row locks; the server ends it.
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;
const INT8_OID = 20;

interface PgModule {
  Pool: new (config: PoolConfig) => Pool;
  types: { getTypeParser(oid: number, format?: string): (value: string) => unknown };
}

/**
 * Imports `pg` on first use (a missing package becomes a ConfigError that says what to install).
 * Typed `unknown` so that no declaration file of tessera mentions pg's types; `load` is
 * replaceable only so that a test can play "not installed".
 */
export async function loadPg(load: () => Promise<unknown> = () => import("pg")): Promise<unknown> {
  let loaded: unknown;
  try {
    loaded = await load();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      throw new ConfigError('PostgreSQL storage needs the "pg" package: run `npm install pg`');
    }
    throw error;
  }
  // ESM gives { default: module.exports, ...named }; the CommonJS build gives the same via interop.
  return (loaded as { default?: unknown }).default ?? loaded;
}

function positiveInteger(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`PostgreSQL storage: ${what} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

// Settings read from the URL's query, so that DATABASE_URL alone can tune them; taken out before
// the URL goes to pg. `connect_timeout` is in seconds, as libpq has it; `statement_timeout` in ms.
const URL_SETTINGS = {
  pool: { key: "poolSize", scale: 1 },
  statement_timeout: { key: "statementTimeoutMs", scale: 1 },
  connect_timeout: { key: "connectionTimeoutMs", scale: 1000 },
} as const;

/** Splits the URL into what pg gets and tessera's settings (`?pool=`, `?statement_timeout=`, `?connect_timeout=`). */
export function parsePostgresUrl(url: string): { connectionString: string } & PostgresStorageOptions {
  const query = url.indexOf("?");
  if (query === -1) return { connectionString: url };
  const params = new URLSearchParams(url.slice(query + 1));
  const settings: PostgresStorageOptions = {};
  for (const [name, { key, scale }] of Object.entries(URL_SETTINGS)) {
    const value = params.get(name);
    if (value === null) continue;
    params.delete(name);
    settings[key] = positiveInteger(/^\d+$/.test(value) ? Number(value) : value, `?${name}= in the database URL`) * scale;
  }
  if (Object.keys(settings).length === 0) return { connectionString: url };
  const rest = params.toString();
  return { connectionString: url.slice(0, query) + (rest === "" ? "" : `?${rest}`), ...settings };
}

function poolConfig(url: string, options: PostgresStorageOptions, pg: PgModule): PoolConfig {
  const { connectionString, ...fromUrl } = parsePostgresUrl(url);
  const statementTimeout = options.statementTimeoutMs ?? fromUrl.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const parseInt8 = (value: string): number | string => {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  };
  return {
    connectionString,
    max: options.poolSize ?? fromUrl.poolSize ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? fromUrl.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    statement_timeout: statementTimeout,
    query_timeout: statementTimeout + CLIENT_TIMEOUT_MARGIN_MS,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    // An idle pool does not keep the process alive: scripts that init tessera can exit.
    allowExitOnIdle: true,
    application_name: "tessera",
    // BIGINT (ms timestamps) as numbers, for this pool only: the app's own pg use is untouched.
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8_OID && format !== "binary" ? parseInt8 : pg.types.getTypeParser(oid, format)) as never,
    },
  };
}

async function attempt<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    throw mapPostgresError(error);
  }
}

const changes = (result: QueryResult): { changes: number } => ({ changes: result.rowCount ?? 0 });

interface LazyPool {
  get(): Promise<Pool>;
  end(): Promise<void>;
}

function createDriver(lazy: LazyPool): SqlDriver {
  const getPool = () => lazy.get();
  const query = async (sql: string, params: readonly SqlParam[] = []): Promise<QueryResult> => {
    const pool = await getPool();
    return attempt(() => pool.query(toPostgresPlaceholders(sql), params as SqlParam[]));
  };

  async function runTransaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T> {
    const pool = await getPool();
    const client: PoolClient = await attempt(() => pool.connect());
    let open = true;
    const inside = async (sql: string, params?: readonly SqlParam[]): Promise<QueryResult> => {
      if (!open) throw new Error("this transaction has ended; use the outer driver");
      return attempt(() =>
        params === undefined ? client.query(sql) : client.query(toPostgresPlaceholders(sql), params as SqlParam[]),
      );
    };
    const tx: SqlDriver = {
      dialect: "postgres",
      run: async (sql, params = []) => changes(await inside(sql, params)),
      get: async <R>(sql: string, params: readonly SqlParam[] = []) => (await inside(sql, params)).rows[0] as R | undefined,
      all: async <R>(sql: string, params: readonly SqlParam[] = []) => (await inside(sql, params)).rows as R[],
      exec: async (sql) => {
        if (sql.trim() !== "") await inside(sql);
      },
      transaction: () => Promise.reject(new Error("transactions do not nest: run the statements on this tx instead")),
      close: () => Promise.reject(new Error("close the outer driver, not a transaction")),
    };
    try {
      await inside("BEGIN");
      const result = await fn(tx);
      await inside("COMMIT");
      open = false;
      client.release();
      return result;
    } catch (error) {
      open = false;
      try {
        await client.query("ROLLBACK");
        client.release();
      } catch (rollbackError) {
        // The connection is unusable (it dropped, or timed out mid-statement): destroy it rather
        // than hand it back to the pool. The server discards the transaction when it closes.
        client.release(rollbackError instanceof Error ? rollbackError : true);
      }
      throw error;
    }
  }

  let closing: Promise<void> | undefined;
  return {
    dialect: "postgres",
    run: async (sql, params) => changes(await query(sql, params)),
    get: async <R>(sql: string, params?: readonly SqlParam[]) => (await query(sql, params)).rows[0] as R | undefined,
    all: async <R>(sql: string, params?: readonly SqlParam[]) => (await query(sql, params)).rows as R[],
    exec: async (sql) => {
      if (sql.trim() === "") return;
      const pool = await getPool();
      // No parameters: pg sends it as a simple query, which may hold several statements.
      await attempt(() => pool.query(sql));
    },
    transaction: runTransaction,
    close: () => (closing ??= lazy.end()),
  };
}

function lazyPool(url: string, options: PostgresStorageOptions): LazyPool {
  // Validate synchronously, so a bad URL or option throws at init, not at the first request.
  parsePostgresUrl(url);
  for (const key of ["poolSize", "statementTimeoutMs", "connectionTimeoutMs"] as const) {
    if (options[key] !== undefined) positiveInteger(options[key], key);
  }
  let pool: Promise<Pool> | undefined;
  let closed = false;
  return {
    get() {
      if (closed) return Promise.reject(new Error("this PostgreSQL storage has been closed"));
      pool ??= loadPg().then((loaded) => {
        const pg = loaded as PgModule;
        const created = new pg.Pool(poolConfig(url, options, pg));
        // A pooled connection that drops (database restarted, network cut) emits "error"; with no
        // listener that would end the process. The pool discards it and reconnects on demand, and
        // the calls that were using it have already rejected with StorageUnavailableError.
        created.on("error", () => {});
        created.on("connect", (client) => client.on("error", () => {}));
        return created;
      });
      return pool;
    },
    async end() {
      closed = true;
      const opened = await pool?.catch(() => undefined);
      await opened?.end();
    },
  };
}

/**
 * Opens PostgreSQL as a bare {@link SqlDriver}, without migrating it: for tools and tests that call
 * `migrate(driver)` themselves. Most callers want {@link openPostgresStorage}.
 */
export function openPostgresDriver(url: string, options: PostgresStorageOptions = {}): SqlDriver {
  return createDriver(lazyPool(url, options));
}

/**
 * Opens a PostgreSQL database as tessera's storage. Returns at once; the pool connects and the
 * schema is migrated on first use (or when `ready()` is awaited).
 *
 * @example
 * import { openStorage } from "tessera";
 * const storage = openStorage("postgres://app@db.internal:5432/app?pool=20");
 * // or: tessera.init({ database: process.env.DATABASE_URL, ... })
 */
export function openPostgresStorage(url: string, options: PostgresStorageOptions = {}): Storage {
  const raw = openPostgresDriver(url, options);
  let migrated: Promise<void> | undefined;
  // Shared by every caller; forgotten when it fails, so the next call tries again (e.g. after an outage).
  const whenMigrated = (): Promise<void> =>
    (migrated ??= migrate(raw).then(
      () => undefined,
      (error: unknown) => {
        migrated = undefined;
        throw error;
      },
    ));
  const driver: SqlDriver = {
    dialect: "postgres",
    run: async (sql, params) => {
      await whenMigrated();
      return raw.run(sql, params);
    },
    get: async <T>(sql: string, params?: readonly SqlParam[]) => {
      await whenMigrated();
      return raw.get<T>(sql, params);
    },
    all: async <T>(sql: string, params?: readonly SqlParam[]) => {
      await whenMigrated();
      return raw.all<T>(sql, params);
    },
    exec: async (sql) => {
      await whenMigrated();
      return raw.exec(sql);
    },
    transaction: async <T>(fn: (tx: SqlDriver) => Promise<T>) => {
      await whenMigrated();
      return raw.transaction(fn);
    },
    close: () => raw.close(),
  };
  const storage = createSqlStorage(driver);
  return {
    ...storage,
    // Migration failures (pg missing, wrong password, no such database) surface as they are,
    // rather than as the shared "schema is at version 0" that `assertMigrated` reports.
    ready: async () => {
      await whenMigrated();
      await storage.ready();
    },
  };
}

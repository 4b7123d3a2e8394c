/**
 * The embedded default storage: SQLite through better-sqlite3, in-process, one connection.
 *
 * better-sqlite3 runs each statement synchronously, while the driver interface is async and a
 * transaction may `await` between its statements. On one connection every statement joins
 * whatever transaction is open, so while a transaction runs, every other call on this driver
 * (and every other transaction) waits for it to end; only calls through the transaction's own
 * `tx` driver run at once.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { StorageUnavailableError } from "../../core/errors.js";
import type { Storage } from "../../core/storage.js";
import type { SqlDriver, SqlParam, SqlRunResult } from "../sql/driver.js";
import {
  MIGRATIONS_TABLE_SQL,
  RECORD_APPLIED_SQL,
  SELECT_APPLIED_SQL,
  pendingMigrations,
} from "../sql/migrations.js";
import { createSqlStorage } from "../sql/storage.js";

type Connection = Database.Database;

/** Distinct statement texts kept prepared; ours are a few dozen, so this is only a safety cap. */
const STATEMENT_CACHE_LIMIT = 200;

// SQLite's page cache for the connection, in KiB (a negative cache_size). better-sqlite3 builds
// SQLite with 16 MiB, which a table of a million sessions fills with pages it reads once: a
// refresh lands on a random leaf of three B-trees. 4,000 KiB holds the inner pages of those trees
// (what every lookup walks: 1.8 MiB at a million sessions), and the kernel's own cache still
// serves the leaves, so the process stays ~12 MB smaller at no measured cost to refresh
// (bench/README.md, "A cache miss, and the memory peak").
const PAGE_CACHE_KIB = -4000;

// "Could not be reached or timed out": the file is locked by another writer past busy_timeout,
// or cannot be opened. Other failures (constraints, bad SQL) are bugs and stay as they are.
const UNAVAILABLE_CODES = ["SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_PROTOCOL"];

function mapError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && UNAVAILABLE_CODES.some((prefix) => code.startsWith(prefix))) {
    return new StorageUnavailableError(`SQLite database unavailable (${code})`, { cause: error });
  }
  return error;
}

/** Runs a synchronous database call and hands its outcome back as a promise. */
function attempt<T>(op: () => T): Promise<T> {
  try {
    return Promise.resolve(op());
  } catch (error) {
    return Promise.reject(mapError(error));
  }
}

function openConnection(location: string): Connection {
  if (location !== ":memory:" && location !== "") {
    mkdirSync(dirname(location), { recursive: true });
  }
  let db: Connection | undefined;
  try {
    db = new Database(location);
    // busy_timeout first: switching to WAL itself needs the write lock.
    db.pragma("busy_timeout = 5000");
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    db.pragma(`cache_size = ${PAGE_CACHE_KIB}`);
    return db;
  } catch (error) {
    db?.close();
    throw mapError(error);
  }
}

function createDriver(db: Connection): SqlDriver {
  const statements = new Map<string, Database.Statement>();
  function prepare(sql: string): Database.Statement {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql);
      if (statements.size >= STATEMENT_CACHE_LIMIT) {
        const oldest = statements.keys().next();
        if (oldest.done !== true) statements.delete(oldest.value);
      }
      statements.set(sql, statement);
    }
    return statement;
  }

  const run = (sql: string, params: readonly SqlParam[] = []): SqlRunResult => ({
    changes: prepare(sql).run(...params).changes,
  });
  const get = <T>(sql: string, params: readonly SqlParam[] = []): T | undefined =>
    prepare(sql).get(...params) as T | undefined;
  const all = <T>(sql: string, params: readonly SqlParam[] = []): T[] =>
    prepare(sql).all(...params) as T[];
  const exec = (sql: string): void => {
    db.exec(sql);
  };

  // The mutex: a promise chain. `waiting` counts tasks on the chain (open or queued
  // transactions, and calls queued behind them); while it is 0, calls run at once.
  let queue: Promise<void> = Promise.resolve();
  let waiting = 0;
  const release = (): void => {
    waiting -= 1;
  };
  function enqueue<T>(task: () => Promise<T>): Promise<T> {
    waiting += 1;
    const result = queue.then(task);
    queue = result.then(release, release);
    return result;
  }
  function outside<T>(op: () => T): Promise<T> {
    return waiting === 0 ? attempt(op) : enqueue(() => attempt(op));
  }

  async function runTransaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T> {
    await attempt(() => db.exec("BEGIN IMMEDIATE"));
    let open = true;
    const inside = <R>(op: () => R): Promise<R> =>
      open ? attempt(op) : Promise.reject(new Error("this transaction has ended; use the outer driver"));
    const tx: SqlDriver = {
      dialect: "sqlite",
      run: (sql, params) => inside(() => run(sql, params)),
      get: (sql, params) => inside(() => get(sql, params)),
      all: (sql, params) => inside(() => all(sql, params)),
      exec: (sql) => inside(() => exec(sql)),
      transaction: () =>
        Promise.reject(new Error("transactions do not nest: run the statements on this tx instead")),
      close: () => Promise.reject(new Error("close the outer driver, not a transaction")),
    };
    try {
      const result = await fn(tx);
      open = false;
      await attempt(() => db.exec("COMMIT"));
      return result;
    } catch (error) {
      open = false;
      if (db.inTransaction) {
        try {
          db.exec("ROLLBACK");
        } catch {
          // The original error says more than a failed rollback; SQLite discards the
          // transaction when the connection closes anyway.
        }
      }
      throw error;
    }
  }

  return {
    dialect: "sqlite",
    run: (sql, params) => outside(() => run(sql, params)),
    get: (sql, params) => outside(() => get(sql, params)),
    all: (sql, params) => outside(() => all(sql, params)),
    exec: (sql) => outside(() => exec(sql)),
    transaction: (fn) => enqueue(() => runTransaction(fn)),
    close: () =>
      enqueue(async () => {
        statements.clear();
        db.close();
      }),
  };
}

/** Applies pending migrations synchronously, so a storage is usable the moment it is opened. */
function migrateNow(db: Connection): void {
  const apply = db.transaction(() => {
    db.exec(MIGRATIONS_TABLE_SQL);
    const applied = db.prepare(SELECT_APPLIED_SQL).all() as { version: unknown }[];
    for (const migration of pendingMigrations(applied.map((row) => row.version))) {
      db.exec(migration.sqlite);
      db.prepare(RECORD_APPLIED_SQL).run(migration.version, migration.name, Date.now());
    }
  });
  try {
    apply.immediate();
  } catch (error) {
    throw mapError(error);
  }
}

/**
 * Opens a SQLite database as a bare {@link SqlDriver}, without migrating it: for tools and tests
 * that call `migrate(driver)` themselves. Most callers want {@link openSqliteStorage}.
 *
 * @param location a file path (its directory is created if missing) or `":memory:"`.
 */
export function openSqliteDriver(location: string): SqlDriver {
  return createDriver(openConnection(location));
}

/**
 * Opens (creating if needed) a SQLite database and migrates it to the current schema before
 * returning, so `ready()` resolves at once.
 *
 * @param location a file path (its directory is created if missing) or `":memory:"`.
 * @example
 * const storage = openSqliteStorage("./data/tessera.db");
 */
export function openSqliteStorage(location: string): Storage {
  const db = openConnection(location);
  try {
    migrateNow(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return createSqlStorage(createDriver(db));
}

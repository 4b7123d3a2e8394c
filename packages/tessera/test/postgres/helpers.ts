/**
 * PostgreSQL test plumbing: finds the server (127.0.0.1:5432 unless `TESSERA_POSTGRES_URL` names
 * another maintenance database), creates a fresh database per test file and a fresh schema per
 * storage, and drops them afterwards. When the server cannot be reached the suites skip and say
 * why, unless `TESSERA_REQUIRE_POSTGRES=1` (CI), which turns the skip into a failure.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, it } from "vitest";
import type { Storage } from "../../src/core/storage.js";
import { openPostgresStorage } from "../../src/storage/postgres/index.js";

/** A maintenance connection: used to create and drop the test databases, never for tessera's tables. */
export const MAINTENANCE_URL = process.env.TESSERA_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

const required = process.env.TESSERA_REQUIRE_POSTGRES === "1";

async function probe(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: MAINTENANCE_URL, connectionTimeoutMillis: 2_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (error) {
    return (error as Error).message || String((error as { code?: unknown }).code ?? error);
  } finally {
    await client.end().catch(() => {});
  }
}

let probed: Promise<string | undefined> | undefined;

/**
 * Resolves true when PostgreSQL answers. Otherwise false (the caller skips), or throws when CI
 * requires PostgreSQL, so that a missing server fails the run instead of silently passing it.
 */
export async function postgresAvailable(): Promise<boolean> {
  const problem = await (probed ??= probe());
  if (problem === undefined) return true;
  const where = MAINTENANCE_URL.replace(/\/\/[^@]*@/, "//***@");
  if (required) throw new Error(`TESSERA_REQUIRE_POSTGRES=1 but PostgreSQL at ${where} is not reachable: ${problem}`);
  console.warn(`PostgreSQL at ${where} is not reachable (${problem}): skipping the PostgreSQL suites`);
  return false;
}

/** Registers a visibly skipped test that says why the file's suites did not run. */
export function describeSkippedForPostgres(name: string): void {
  describe(name, () => {
    it.skip(`skipped: PostgreSQL is not reachable at ${MAINTENANCE_URL.replace(/\/\/[^@]*@/, "//***@")} (set TESSERA_POSTGRES_URL)`, () => {});
  });
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function maintenance<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: MAINTENANCE_URL, connectionTimeoutMillis: 5_000 });
  client.on("error", () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  /** URL of the fresh database. */
  url: string;
  /** A fresh empty schema in this database; returns a URL whose connections use it. */
  createSchema(): Promise<{ name: string; url: string }>;
  dropSchema(name: string): Promise<void>;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

/** Creates `tessera_test_<random>`; each test file makes its own and drops it in `afterAll`. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `tessera_test_${randomBytes(6).toString("hex")}`;
  await maintenance((client) => client.query(`CREATE DATABASE ${name}`));
  const url = withDatabase(MAINTENANCE_URL, name);
  const inDatabase = <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> =>
    (async () => {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
      client.on("error", () => {});
      await client.connect();
      try {
        return await fn(client);
      } finally {
        await client.end();
      }
    })();
  return {
    name,
    url,
    async createSchema() {
      const schema = `s_${randomBytes(6).toString("hex")}`;
      await inDatabase((client) => client.query(`CREATE SCHEMA ${schema}`));
      // libpq's `options`: every connection of this URL starts with search_path set to the schema.
      const scoped = new URL(url);
      scoped.searchParams.set("options", `-c search_path=${schema}`);
      return { name: schema, url: scoped.toString() };
    },
    async dropSchema(schema) {
      await inDatabase((client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    },
    async drop() {
      await maintenance((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/**
 * Runs a storage conformance suite (`open`/`cleanup` shaped) on PostgreSQL in a fresh database for
 * the calling file. The schema is migrated once; each `open()` then deletes every row, which
 * gives the suite its empty, migrated database per test without paying for the DDL each time.
 */
export function runStorageSuiteOnPostgres(
  suite: (name: string, open: () => Promise<Storage>, cleanup: (s: Storage) => Promise<void>) => void,
): void {
  let database: TestDatabase | undefined;
  let tables: string[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    const storage = openPostgresStorage(database.url, { poolSize: 1 });
    await storage.ready();
    await storage.close();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const result = await client.query<{ name: string }>(
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'tessera_migrations'",
    );
    await client.end();
    tables = result.rows.map((row) => row.name);
  });
  afterAll(async () => {
    await database?.drop();
  });
  suite("PostgreSQL", async () => {
    const url = (database as TestDatabase).url;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // DELETE, not TRUNCATE: on tables this small it skips TRUNCATE's new files and fsyncs.
      await client.query(tables.map((table) => `DELETE FROM ${table};`).join(" "));
    } finally {
      await client.end();
    }
    return openPostgresStorage(url, { poolSize: 4 });
  }, async () => {});
}

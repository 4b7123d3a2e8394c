/**
 * The storage and SQL-driver conformance suites on PostgreSQL, unchanged, each in a fresh database
 * of this file (the driver suite in a fresh, unmigrated schema per driver). Skips, and says so,
 * when PostgreSQL is not reachable, unless TESSERA_REQUIRE_POSTGRES=1.
 */
import { afterAll, beforeAll } from "vitest";
import type { SqlDriver } from "../../src/storage/sql/driver.js";
import { openPostgresDriver } from "../../src/storage/postgres/index.js";
import {
  createTestDatabase,
  describeSkippedForPostgres,
  postgresAvailable,
  runStorageSuiteOnPostgres,
  type TestDatabase,
} from "../postgres/helpers.js";
import { describeSqlDriverSuite, describeStorageSuite } from "./storage-suite.js";

if (await postgresAvailable()) {
  runStorageSuiteOnPostgres(describeStorageSuite);

  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });
  const schemas = new Map<SqlDriver, string>();
  describeSqlDriverSuite(
    "PostgreSQL",
    async () => {
      const schema = await (database as TestDatabase).createSchema();
      const driver = openPostgresDriver(schema.url, { poolSize: 4 });
      schemas.set(driver, schema.name);
      return driver;
    },
    async (driver) => {
      await (database as TestDatabase).dropSchema(schemas.get(driver) as string);
      schemas.delete(driver);
    },
  );
} else {
  describeSkippedForPostgres("storage conformance: PostgreSQL");
}

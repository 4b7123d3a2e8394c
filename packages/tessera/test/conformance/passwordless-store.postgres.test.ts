/** The passwordless store conformance suite on PostgreSQL, unchanged (skips when PostgreSQL is not reachable). */
import { describeSkippedForPostgres, postgresAvailable, runStorageSuiteOnPostgres } from "../postgres/helpers.js";
import { describePasswordlessStoreSuite } from "./passwordless-store.suite.js";

if (await postgresAvailable()) runStorageSuiteOnPostgres(describePasswordlessStoreSuite);
else describeSkippedForPostgres("passwordless store conformance: PostgreSQL");

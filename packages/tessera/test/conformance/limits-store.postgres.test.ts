/** The limits store conformance suite on PostgreSQL, unchanged (skips when PostgreSQL is not reachable). */
import { describeSkippedForPostgres, postgresAvailable, runStorageSuiteOnPostgres } from "../postgres/helpers.js";
import { describeLimitsStoreSuite } from "./limits-store.suite.js";

if (await postgresAvailable()) runStorageSuiteOnPostgres(describeLimitsStoreSuite);
else describeSkippedForPostgres("limits store conformance: PostgreSQL");

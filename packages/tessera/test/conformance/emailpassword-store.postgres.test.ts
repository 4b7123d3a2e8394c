/** The emailpassword store conformance suite on PostgreSQL, unchanged (skips when PostgreSQL is not reachable). */
import { describeSkippedForPostgres, postgresAvailable, runStorageSuiteOnPostgres } from "../postgres/helpers.js";
import { describeEmailPasswordStoreSuite } from "./emailpassword-store.suite.js";

if (await postgresAvailable()) runStorageSuiteOnPostgres(describeEmailPasswordStoreSuite);
else describeSkippedForPostgres("emailpassword store conformance: PostgreSQL");

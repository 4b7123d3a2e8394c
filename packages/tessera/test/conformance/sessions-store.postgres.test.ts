/** The sessions store conformance suite on PostgreSQL, unchanged (skips when PostgreSQL is not reachable). */
import { describeSkippedForPostgres, postgresAvailable, runStorageSuiteOnPostgres } from "../postgres/helpers.js";
import { describeSessionsStoreSuite } from "./sessions-store.suite.js";

if (await postgresAvailable()) runStorageSuiteOnPostgres(describeSessionsStoreSuite);
else describeSkippedForPostgres("sessions store conformance: PostgreSQL");

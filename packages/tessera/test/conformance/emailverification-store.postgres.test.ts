/** The email verification store conformance suite on PostgreSQL, unchanged (skips when PostgreSQL is not reachable). */
import { describeSkippedForPostgres, postgresAvailable, runStorageSuiteOnPostgres } from "../postgres/helpers.js";
import { describeEmailVerificationStoreSuite } from "./emailverification-store.suite.js";

if (await postgresAvailable()) runStorageSuiteOnPostgres(describeEmailVerificationStoreSuite);
else describeSkippedForPostgres("emailverification store conformance: PostgreSQL");

/** The TOTP store conformance suite on PostgreSQL, unchanged (skips when PostgreSQL is not reachable). */
import { describeSkippedForPostgres, postgresAvailable, runStorageSuiteOnPostgres } from "../postgres/helpers.js";
import { describeTotpStoreSuite } from "./totp-store.suite.js";

if (await postgresAvailable()) runStorageSuiteOnPostgres(describeTotpStoreSuite);
else describeSkippedForPostgres("totp store conformance: PostgreSQL");

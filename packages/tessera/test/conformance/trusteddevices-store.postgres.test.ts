/** The trusted-devices store conformance suite on PostgreSQL, unchanged (skips when PostgreSQL is not reachable). */
import { describeSkippedForPostgres, postgresAvailable, runStorageSuiteOnPostgres } from "../postgres/helpers.js";
import { describeTrustedDevicesStoreSuite } from "./trusteddevices-store.suite.js";

if (await postgresAvailable()) runStorageSuiteOnPostgres(describeTrustedDevicesStoreSuite);
else describeSkippedForPostgres("trusted devices store conformance: PostgreSQL");

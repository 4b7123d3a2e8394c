/** The user roles store conformance suite on PostgreSQL, unchanged (skips when PostgreSQL is not reachable). */
import { describeSkippedForPostgres, postgresAvailable, runStorageSuiteOnPostgres } from "../postgres/helpers.js";
import { describeUserRolesStoreSuite } from "./userroles-store.suite.js";

if (await postgresAvailable()) runStorageSuiteOnPostgres(describeUserRolesStoreSuite);
else describeSkippedForPostgres("userroles store conformance: PostgreSQL");

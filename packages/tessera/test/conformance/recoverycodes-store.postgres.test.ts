/** The recoverycodes store conformance suite on PostgreSQL, unchanged (skips when PostgreSQL is not reachable). */
import { describeSkippedForPostgres, postgresAvailable, runStorageSuiteOnPostgres } from "../postgres/helpers.js";
import { describeRecoveryCodesStoreSuite } from "./recoverycodes-store.suite.js";

if (await postgresAvailable()) runStorageSuiteOnPostgres(describeRecoveryCodesStoreSuite);
else describeSkippedForPostgres("recoverycodes store conformance: PostgreSQL");

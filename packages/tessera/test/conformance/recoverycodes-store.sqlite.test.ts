import { onSqlite } from "./sqlite-storages.js";
import { describeRecoveryCodesStoreSuite } from "./recoverycodes-store.suite.js";

onSqlite(describeRecoveryCodesStoreSuite);

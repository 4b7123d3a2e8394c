import { onSqlite } from "./sqlite-storages.js";
import { describeLimitsStoreSuite } from "./limits-store.suite.js";

onSqlite(describeLimitsStoreSuite);

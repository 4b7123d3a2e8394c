import { onSqlite } from "./sqlite-storages.js";
import { describePasswordlessStoreSuite } from "./passwordless-store.suite.js";

onSqlite(describePasswordlessStoreSuite);

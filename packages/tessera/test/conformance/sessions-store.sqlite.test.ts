import { onSqlite } from "./sqlite-storages.js";
import { describeSessionsStoreSuite } from "./sessions-store.suite.js";

onSqlite(describeSessionsStoreSuite);

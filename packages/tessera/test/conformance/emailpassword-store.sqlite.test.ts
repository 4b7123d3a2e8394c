import { onSqlite } from "./sqlite-storages.js";
import { describeEmailPasswordStoreSuite } from "./emailpassword-store.suite.js";

onSqlite(describeEmailPasswordStoreSuite);

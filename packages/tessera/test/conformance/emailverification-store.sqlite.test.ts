import { onSqlite } from "./sqlite-storages.js";
import { describeEmailVerificationStoreSuite } from "./emailverification-store.suite.js";

onSqlite(describeEmailVerificationStoreSuite);

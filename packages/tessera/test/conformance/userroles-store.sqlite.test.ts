import { onSqlite } from "./sqlite-storages.js";
import { describeUserRolesStoreSuite } from "./userroles-store.suite.js";

onSqlite(describeUserRolesStoreSuite);

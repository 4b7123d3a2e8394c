import { onSqlite } from "./sqlite-storages.js";
import { describeTotpStoreSuite } from "./totp-store.suite.js";

onSqlite(describeTotpStoreSuite);

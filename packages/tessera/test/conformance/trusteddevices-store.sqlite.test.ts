import { onSqlite } from "./sqlite-storages.js";
import { describeTrustedDevicesStoreSuite } from "./trusteddevices-store.suite.js";

onSqlite(describeTrustedDevicesStoreSuite);

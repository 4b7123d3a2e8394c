/**
 * The {@link Storage} port over any {@link SqlDriver}. Dialect adapters (`storage/sqlite`,
 * `storage/postgres`) open a driver, apply {@link migrate} and hand the driver here.
 */
import type { Storage } from "../../core/storage.js";
import type { SqlDriver } from "./driver.js";
import { createSqlKeyStore } from "./keys.js";
import { assertMigrated } from "./migrations.js";
import { createSqlSessionStore } from "./sessions.js";
import { createSqlEmailPasswordStore } from "./emailpassword.js";
import { createSqlTotpStore } from "./totp.js";
import { createSqlUserStore } from "./user-metadata.js";
import { createSqlEmailVerificationStore } from "./emailverification.js";
import { createSqlUserRolesStore } from "./userroles.js";
import { createSqlLimitStore } from "./limits.js";
import { createSqlRecoveryCodeStore } from "./recoverycodes.js";
import { createSqlPasswordlessStore } from "./passwordless.js";
import { createSqlTrustedDeviceStore } from "./trusteddevices.js";

export function createSqlStorage(driver: SqlDriver): Storage {
  return {
    sessions: createSqlSessionStore(driver),
    keys: createSqlKeyStore(driver),
    users: createSqlUserStore(driver),
    emailPassword: createSqlEmailPasswordStore(driver),
    totp: createSqlTotpStore(driver),
    emailVerification: createSqlEmailVerificationStore(driver),
    userRoles: createSqlUserRolesStore(driver),
    limits: createSqlLimitStore(driver),
    recoveryCodes: createSqlRecoveryCodeStore(driver),
    passwordless: createSqlPasswordlessStore(driver),
    trustedDevices: createSqlTrustedDeviceStore(driver),
    ready: () => assertMigrated(driver),
    close: () => driver.close(),
  };
}

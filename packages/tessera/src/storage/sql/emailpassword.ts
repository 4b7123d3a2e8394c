/** The emailpassword store over any {@link SqlDriver}: parameterised statements only. */
import type { EmailPasswordStore } from "../../core/storage.js";
import type { SqlDriver } from "./driver.js";

export function createSqlEmailPasswordStore(driver: SqlDriver): EmailPasswordStore {
  void driver;
  // Placeholder until the recipe's store lands: every method rejects.
  return new Proxy({} as EmailPasswordStore, { get: () => () => Promise.reject(new Error("not implemented yet")) });
}

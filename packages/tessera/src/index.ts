/**
 * `tessera`: authentication for Node.js backends, in-process: no separate auth server.
 *
 * @example
 * import tessera from "tessera";
 * import Session from "tessera/recipe/session";
 * tessera.init({
 *   framework: "express",
 *   appInfo: { appName: "My app", apiDomain: "http://localhost:3000", websiteDomain: "http://localhost:3000" },
 *   database: "sqlite:./data/tessera.db", // the default; or DATABASE_URL
 *   recipeList: [Session.init()],
 * });
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { normaliseAppInfo, type AppInfoInput } from "./core/app-info.js";
import { setActiveClock, systemClock, type Clock } from "./core/clock.js";
import { setActiveLimits, type LimitsConfig } from "./core/limits.js";
import { createSecretBox } from "./core/crypto/secretbox.js";
import { ConfigError } from "./core/errors.js";
import { getInstance, hasInstance, resetInstance, setInstance } from "./core/instance.js";
import type { RecipeFactory } from "./core/recipe.js";
import type { Storage } from "./core/storage.js";
import { openPostgresStorage } from "./storage/postgres/index.js";
import { openSqliteStorage } from "./storage/sqlite/index.js";

export { TesseraError, BadInputError, ConfigError, SessionError, StorageUnavailableError } from "./core/errors.js";
export type { AppInfoInput, AppInfo } from "./core/app-info.js";
export type { Clock } from "./core/clock.js";
export type { LimitsConfig } from "./core/limits.js";
export type { Storage } from "./core/storage.js";
export type { RecipeFactory } from "./core/recipe.js";
export type { HttpRequest, HttpResponse } from "./core/http.js";

export const DEFAULT_DATABASE_URL = "sqlite:./data/tessera.db";

export interface TesseraConfig {
  /** The framework whose `req`/`res` you pass to module functions (default "express"). */
  framework?: string;
  appInfo: AppInfoInput;
  /** `sqlite:<file>` (default `sqlite:./data/tessera.db`), `sqlite::memory:`, or a Storage object. Falls back to `DATABASE_URL`. */
  database?: string | Storage;
  recipeList: RecipeFactory[];
  /** Encrypts secrets at rest (signing keys, TOTP seeds). Falls back to `TESSERA_MASTER_KEY`. Generate with `openssl rand -base64 32`. */
  masterKey?: string;
  /** Where tessera reads the time: tests pass a fixed clock. */
  clock?: Clock;
  /**
   * Tenant ids served at `{apiBasePath}/<tenantId>/...` (default: only "public", which is also the
   * tenant of paths without one). Requests for any other tenant are not tessera's routes.
   */
  tenants?: string[];
  /**
   * Failure limits shared by every credential endpoint: per account across factors, and per client
   * address (read from X-Forwarded-For only with `trustProxy`). Defaults stay inside NIST 800-63B 5.2.2.
   */
  limits?: LimitsConfig;
}

/** Opens the storage a database URL names. */
export function openStorage(database: string): Storage {
  if (database === "sqlite::memory:") return openSqliteStorage(":memory:");
  if (database.startsWith("sqlite:")) {
    const path = database.slice("sqlite:".length).replace(/^\/\//, "");
    if (path === "") throw new ConfigError('database "sqlite:" needs a file, e.g. "sqlite:./data/tessera.db"');
    return openSqliteStorage(path);
  }
  // PostgreSQL connects lazily (init stays synchronous): every storage call awaits the pool and
  // the migrations first. The URL may add `?pool=` (default 10), `?statement_timeout=` (ms) and
  // `?connect_timeout=` (s); see storage/postgres.
  if (/^postgres(ql)?:\/\//.test(database)) return openPostgresStorage(database);
  throw new ConfigError(`database must be "sqlite:<file>", "sqlite::memory:" or a postgres:// URL; got "${database.replace(/\/\/[^@]*@/, "//***@")}"`);
}

/**
 * Secrets that must be read back (signing keys, TOTP seeds) are always encrypted at rest. Without
 * a configured master key, the embedded default keeps a generated key in a file beside the
 * database (`<file>.key`, mode 0600), so a copied database file alone does not reveal them; an
 * in-memory database gets a key that lives as long as the process. Any other storage needs
 * `TESSERA_MASTER_KEY`: a key kept in the same database would protect nothing.
 */
function defaultMasterKey(database: string | Storage): string | undefined {
  if (database === "sqlite::memory:") return randomBytes(32).toString("base64");
  if (typeof database !== "string" || !database.startsWith("sqlite:")) return undefined;
  const keyFile = `${database.slice("sqlite:".length).replace(/^\/\//, "")}.key`;
  if (!existsSync(keyFile)) {
    mkdirSync(dirname(keyFile), { recursive: true });
    try {
      writeFileSync(keyFile, randomBytes(32).toString("base64") + "\n", { mode: 0o600, flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  return readFileSync(keyFile, "utf8").trim();
}

/** The values of `framework`, as supertokens-node names them (plus NestJS, which runs on Express). */
const FRAMEWORKS = ["express", "fastify", "hapi", "koa", "loopback", "awsLambda", "nestjs", "custom"];

/**
 * Starts tessera: opens the storage (migrating it), builds the recipes. Runs once per process: a
 * later call is ignored while tessera runs, as in supertokens-node, so that every module of an app
 * (every route of a Next.js app) may call it; `await tessera.reset()` first to start again.
 */
export function init(config: TesseraConfig): void {
  if (hasInstance()) return;
  if (!config || typeof config !== "object") throw new ConfigError("tessera.init needs a config object");
  const appInfo = normaliseAppInfo(config.appInfo);
  if (!Array.isArray(config.recipeList) || config.recipeList.length === 0) throw new ConfigError("tessera.init needs a recipeList, e.g. [Session.init()]");
  config.recipeList.forEach((factory, i) => {
    if (typeof factory !== "function") throw new ConfigError(`tessera.init: recipeList[${i}] is not a recipe; list what the recipes' init functions return, e.g. [Session.init()]`);
  });
  if (config.framework !== undefined && !FRAMEWORKS.includes(config.framework)) {
    throw new ConfigError(`tessera.init: framework "${String(config.framework)}" is not one of ${FRAMEWORKS.join(", ")}`);
  }
  if (config.database !== undefined && typeof config.database !== "string" && !isStorage(config.database)) {
    throw new ConfigError('tessera.init: database must be a URL ("sqlite:./data/tessera.db", "sqlite::memory:", "postgres://...") or a storage object');
  }
  const tenants = new Set(["public", ...(config.tenants ?? [])]);
  for (const tenant of tenants) if (!/^[a-zA-Z0-9-]+$/.test(tenant)) throw new ConfigError(`tenants: "${tenant}" is not a valid tenant id (letters, digits and -)`);
  setActiveClock(config.clock ?? systemClock);
  // Before the recipes are built: TOTP reads its attempt defaults from here.
  setActiveLimits(config.limits);
  // An empty variable counts as unset, as for TESSERA_MASTER_KEY below (a cleared value in a .env file).
  const database = config.database ?? (process.env.DATABASE_URL || undefined) ?? DEFAULT_DATABASE_URL;
  const storage = typeof database === "string" ? openStorage(database) : database;
  try {
    const masterKey = config.masterKey ?? (process.env.TESSERA_MASTER_KEY || undefined) ?? defaultMasterKey(database);
    const secretBox = createSecretBox(masterKey);
    const recipes = config.recipeList.map((factory) => factory({ appInfo, storage, secretBox }));
    const ids = new Set<string>();
    for (const recipe of recipes) {
      if (ids.has(recipe.id)) throw new ConfigError(`Recipe "${recipe.id}" is in recipeList twice`);
      ids.add(recipe.id);
    }
    setInstance({ appInfo, framework: config.framework ?? "express", storage, secretBox, recipes, tenants });
  } catch (error) {
    // A recipe refused its config: the storage this call opened is closed again, not leaked.
    if (typeof database === "string") void storage.close().catch(() => undefined);
    throw error;
  }
  for (const recipe of getInstance().recipes) recipe.postInit?.();
}

function isStorage(value: unknown): value is Storage {
  const candidate = value as Partial<Storage> | null;
  return typeof candidate === "object" && candidate !== null && typeof candidate.sessions === "object" && typeof candidate.close === "function";
}

/** Headers the frontend sends: add them to your CORS `allowedHeaders`. */
export function getAllCORSHeaders(): string[] {
  const headers = new Set<string>(["content-type"]);
  for (const recipe of getInstance().recipes) for (const h of recipe.corsHeaders ?? []) headers.add(h);
  return [...headers];
}

/** Stops tessera and closes its storage. For tests and clean shutdown. */
export async function reset(): Promise<void> {
  await resetInstance();
  setActiveClock(systemClock);
  setActiveLimits();
}

const tessera = { init, getAllCORSHeaders, reset, openStorage };
export default tessera;

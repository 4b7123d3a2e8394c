/**
 * The one registry of a running tessera: app info, storage and the recipes, set by `tessera.init`.
 * Everything else receives what it needs from here; no recipe keeps a singleton of its own.
 */
import type { AppInfo } from "./app-info.js";
import { ConfigError } from "./errors.js";
import type { RecipeInstance, SecretBox } from "./recipe.js";
import type { Storage } from "./storage.js";

export interface TesseraInstance {
  readonly appInfo: AppInfo;
  readonly framework: string;
  readonly storage: Storage;
  readonly secretBox: SecretBox;
  readonly recipes: readonly RecipeInstance[];
  /** Tenant ids the API answers for in `{apiBasePath}/<tenantId>/...` paths; "public" is always one. */
  readonly tenants: ReadonlySet<string>;
}

/**
 * Kept on globalThis, not in this module: a bundler that copies tessera into several bundles of
 * one process (Next.js does, per router), or an app that loads both the ESM and the CommonJS
 * build, must still see the one instance that `tessera.init` made.
 */
const REGISTRY = Symbol.for("tessera.instance");
const registry = globalThis as unknown as { [REGISTRY]?: TesseraInstance };

export function setInstance(instance: TesseraInstance): void {
  registry[REGISTRY] = instance;
}

export function getInstance(): TesseraInstance {
  const current = registry[REGISTRY];
  if (!current) throw new ConfigError("tessera is not initialised: call tessera.init({ appInfo, recipeList, ... }) first");
  return current;
}

export function hasInstance(): boolean {
  return registry[REGISTRY] !== undefined;
}

/** Finds a recipe of the running instance by id. */
export function findRecipe<T extends RecipeInstance>(id: string): T | undefined {
  return registry[REGISTRY]?.recipes.find((r) => r.id === id) as T | undefined;
}

/** Forgets the running instance and closes its storage (for tests and for a clean shutdown). */
export async function resetInstance(): Promise<void> {
  const previous = registry[REGISTRY];
  registry[REGISTRY] = undefined;
  if (previous) await previous.storage.close();
}

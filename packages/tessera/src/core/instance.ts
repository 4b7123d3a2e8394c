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
}

let current: TesseraInstance | undefined;

export function setInstance(instance: TesseraInstance): void {
  current = instance;
}

export function getInstance(): TesseraInstance {
  if (!current) throw new ConfigError("tessera is not initialised: call tessera.init({ appInfo, recipeList, ... }) first");
  return current;
}

export function hasInstance(): boolean {
  return current !== undefined;
}

/** Finds a recipe of the running instance by id. */
export function findRecipe<T extends RecipeInstance>(id: string): T | undefined {
  return current?.recipes.find((r) => r.id === id) as T | undefined;
}

/** Forgets the running instance and closes its storage (for tests and for a clean shutdown). */
export async function resetInstance(): Promise<void> {
  const previous = current;
  current = undefined;
  if (previous) await previous.storage.close();
}

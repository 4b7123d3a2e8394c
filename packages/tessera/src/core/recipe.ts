/**
 * What a recipe looks like to the core: an id, its endpoints, and optional hooks. Recipes are
 * plain objects built by a factory from the app's config; the core calls them and knows nothing
 * else about them.
 */
import type { AppInfo } from "./app-info.js";
import type { HttpRequest, HttpResponse } from "./http.js";
import type { Storage } from "./storage.js";

export type UserContext = Record<string, unknown>;

export interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path below `apiBasePath`, e.g. "/session/refresh". */
  path: string;
  handle(input: { req: HttpRequest; res: HttpResponse; tenantId: string; userContext: UserContext }): Promise<void>;
}

/** What every recipe factory receives. */
export interface RecipeContext {
  appInfo: AppInfo;
  storage: Storage;
  /** For secrets that must be read back: sealed with the master key when one is configured. */
  secretBox: SecretBox;
}

export interface SecretBox {
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
  readonly encrypted: boolean;
}

export interface RecipeInstance {
  readonly id: string;
  readonly routes: readonly Route[];
  /** Runs after every recipe of the list is built, in list order: the place to register with other recipes. */
  postInit?(): void;
  /** Turns an error this recipe owns into a response; returns false when the error is not its own. */
  handleError?(input: { error: unknown; req: HttpRequest; res: HttpResponse; userContext: UserContext }): Promise<boolean>;
  /** Extra CORS request headers the recipe's endpoints read. */
  readonly corsHeaders?: readonly string[];
}

/** What `Recipe.init(config)` returns and `recipeList` holds. */
export type RecipeFactory = (context: RecipeContext) => RecipeInstance;

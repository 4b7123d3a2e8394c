/**
 * The emailpassword recipe as a plain object: normalised config, the composed functions and
 * APIs, its endpoints, and its registration with MultiFactorAuth.
 */
import type { AppInfo } from "../../core/app-info.js";
import { ConfigError } from "../../core/errors.js";
import { findRecipe } from "../../core/instance.js";
import { composeOverride } from "../../core/override.js";
import type { RecipeFactory, RecipeInstance } from "../../core/recipe.js";
import MultiFactorAuth from "../multifactorauth/index.js";
import { FACTOR_ID, makeDefaultAPIs } from "./api.js";
import { normaliseEmailPasswordConfig } from "./config.js";
import { makeDefaultFunctions } from "./functions.js";
import { makeRoutes } from "./routes.js";
import type { APIInterface, EmailPasswordConfig, NormalisedEmailPasswordConfig, RecipeInterface } from "./types.js";

export const EMAIL_PASSWORD_RECIPE_ID = "emailpassword";

export interface EmailPasswordRecipe extends RecipeInstance {
  readonly config: NormalisedEmailPasswordConfig;
  readonly appInfo: AppInfo;
  readonly recipeImplementation: RecipeInterface;
  readonly apiImplementation: APIInterface;
}

export function emailPasswordRecipeFactory(input: EmailPasswordConfig = {}): RecipeFactory {
  // Normalised when EmailPassword.init() is called, so a bad config fails there.
  const config = normaliseEmailPasswordConfig(input);
  return ({ appInfo, storage }) => {
    const recipeImplementation = composeOverride<RecipeInterface>(() => makeDefaultFunctions(storage, config), input.override?.functions);
    const apiImplementation = composeOverride<APIInterface>(() => makeDefaultAPIs(), input.override?.apis);
    return {
      id: EMAIL_PASSWORD_RECIPE_ID,
      routes: makeRoutes({ config, recipeImplementation, apiImplementation, appInfo, storage }),
      config,
      appInfo,
      recipeImplementation,
      apiImplementation,
      postInit() {
        if (!findRecipe("session")) throw new ConfigError("EmailPassword needs the session recipe: add Session.init() to recipeList in tessera.init");
        if (!MultiFactorAuth.isInitialised()) return;
        // Email and password is set up for a user exactly when the user has an emailpassword row.
        MultiFactorAuth.registerFactorProvider({
          factorIds: [FACTOR_ID],
          getFactorsSetUpForUser: async (userId) => ((await storage.emailPassword.getUserById(userId)) ? [FACTOR_ID] : []),
          getEmailsForFactors: async (userId): Promise<Record<string, string[]>> => {
            const row = await storage.emailPassword.getUserById(userId);
            return row ? { [FACTOR_ID]: [row.email] } : {};
          },
        });
      },
    } satisfies EmailPasswordRecipe;
  };
}

/** The running emailpassword recipe; throws a clear error when it is not in the recipeList. */
export function getEmailPasswordRecipe(): EmailPasswordRecipe {
  const recipe = findRecipe<EmailPasswordRecipe>(EMAIL_PASSWORD_RECIPE_ID);
  if (!recipe) throw new ConfigError("The emailpassword recipe is not initialised: add EmailPassword.init() to recipeList in tessera.init");
  return recipe;
}

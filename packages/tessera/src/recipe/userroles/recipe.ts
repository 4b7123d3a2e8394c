/**
 * The user roles recipe as a plain object: the composed functions, and its registration with the
 * session recipe (`st-role` and `st-perm` in every new session unless switched off). No endpoints.
 */
import { ConfigError } from "../../core/errors.js";
import { findRecipe } from "../../core/instance.js";
import { composeOverride } from "../../core/override.js";
import type { RecipeFactory, RecipeInstance } from "../../core/recipe.js";
import { addClaimFromOtherRecipe } from "../session/index.js";
import { PermissionClaim, USER_ROLES_RECIPE_ID, UserRoleClaim } from "./claims.js";
import { makeDefaultFunctions } from "./functions.js";
import type { RecipeInterface, UserRolesConfig } from "./types.js";

export interface UserRolesRecipe extends RecipeInstance {
  readonly recipeImplementation: RecipeInterface;
}

export function userRolesRecipeFactory(config: UserRolesConfig = {}): RecipeFactory {
  if (typeof config !== "object" || config === null) throw new ConfigError("UserRoles.init takes an optional config object");
  return ({ storage }) => {
    const recipeImplementation = composeOverride<RecipeInterface>(() => makeDefaultFunctions(storage), config.override?.functions);
    return {
      id: USER_ROLES_RECIPE_ID,
      routes: [],
      recipeImplementation,
      postInit() {
        if (!findRecipe("session")) throw new ConfigError("UserRoles needs the session recipe: add Session.init() to recipeList in tessera.init");
        if (config.skipAddingRolesToAccessToken !== true) addClaimFromOtherRecipe(UserRoleClaim);
        if (config.skipAddingPermissionsToAccessToken !== true) addClaimFromOtherRecipe(PermissionClaim);
      },
    } satisfies UserRolesRecipe;
  };
}

/** The running user roles recipe; throws a clear error when it is not in recipeList. */
export function getUserRolesRecipe(): UserRolesRecipe {
  const recipe = findRecipe<UserRolesRecipe>(USER_ROLES_RECIPE_ID);
  if (!recipe) throw new ConfigError("The userroles recipe is not initialised: add UserRoles.init() to recipeList in tessera.init");
  return recipe;
}

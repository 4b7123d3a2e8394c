/**
 * `st-role` and `st-perm` (protocol 2.4): the session user's roles in the session's tenant, and
 * the permissions of those roles, kept as `{v, t}` arrays. They have no default max age: a
 * validator given `maxAgeInSeconds` refetches them when older, and `fetchAndSetClaim` does at once.
 */
import { ConfigError } from "../../core/errors.js";
import { findRecipe } from "../../core/instance.js";
import type { RecipeInstance } from "../../core/recipe.js";
import { PrimitiveArrayClaim } from "../session/claims/index.js";
import type { RecipeInterface } from "./types.js";

export const USER_ROLES_RECIPE_ID = "userroles";

function functions(): RecipeInterface {
  const recipe = findRecipe<RecipeInstance & { recipeImplementation: RecipeInterface }>(USER_ROLES_RECIPE_ID);
  if (!recipe) throw new ConfigError("UserRoleClaim and PermissionClaim need UserRoles.init() in recipeList");
  return recipe.recipeImplementation;
}

/**
 * `st-role`: the roles the user has in the session's tenant. Import from `tessera/recipe/userroles`.
 *
 * @example
 * verifySession({ overrideGlobalClaimValidators: (global) => [...global, UserRoleClaim.validators.includes("admin")] });
 */
export const UserRoleClaim = new PrimitiveArrayClaim<string>({
  key: "st-role",
  fetchValue: async (userId, _recipeUserId, tenantId, _payload, userContext) => (await functions().getRolesForUser({ userId, tenantId, userContext })).roles,
});

/**
 * `st-perm`: every permission of those roles, each once, sorted. Import from `tessera/recipe/userroles`.
 *
 * @example
 * verifySession({ overrideGlobalClaimValidators: (global) => [...global, PermissionClaim.validators.includesAll(["read", "write"], 300)] });
 */
export const PermissionClaim = new PrimitiveArrayClaim<string>({
  key: "st-perm",
  // Through the recipe functions (not one SQL join), so that overrides of either are honoured.
  fetchValue: async (userId, _recipeUserId, tenantId, _payload, userContext) => {
    const impl = functions();
    const { roles } = await impl.getRolesForUser({ userId, tenantId, userContext });
    const permissions = new Set<string>();
    for (const role of roles) {
      const result = await impl.getPermissionsForRole({ role, userContext });
      // A role deleted between the two reads simply contributes nothing.
      if (result.status === "OK") for (const permission of result.permissions) permissions.add(permission);
    }
    return [...permissions].sort();
  },
});

/**
 * `tessera/recipe/userroles`: roles with permissions, given to users per tenant, and the
 * `st-role` / `st-perm` session claims that routes check.
 *
 * Roles and their permissions are app-wide; `addRoleToUser(tenantId, userId, role)` gives a role
 * in one tenant. New sessions carry the user's roles and permissions for the session's tenant
 * (unless `skipAddingRolesToAccessToken` / `skipAddingPermissionsToAccessToken`). A change
 * reaches an existing session when a validator with `maxAgeInSeconds` finds the value older
 * than that, or at once with `session.fetchAndSetClaim(UserRoleClaim)`.
 *
 * @example
 * import UserRoles, { UserRoleClaim, PermissionClaim } from "tessera/recipe/userroles";
 * tessera.init({ appInfo, recipeList: [Session.init(), UserRoles.init()] });
 * await UserRoles.createNewRoleOrAddPermissions("admin", ["users:write"]);
 * await UserRoles.addRoleToUser("public", userId, "admin");
 * app.post("/admin", verifySession({
 *   overrideGlobalClaimValidators: (global) => [...global, UserRoleClaim.validators.includes("admin", 300)],
 * }), handler);
 */
import type { RecipeFactory } from "../../core/recipe.js";
import { PermissionClaim, UserRoleClaim } from "./claims.js";
import { getUserRolesRecipe, userRolesRecipeFactory } from "./recipe.js";
import type { UserContext, UserRolesConfig } from "./types.js";

export type { RecipeInterface, UserContext, UserRolesConfig } from "./types.js";
export { PermissionClaim, UserRoleClaim };

const impl = () => getUserRolesRecipe().recipeImplementation;

/** Builds the user roles recipe for `recipeList` (Session.init() must be there too). */
export function init(config?: UserRolesConfig): RecipeFactory {
  return userRolesRecipeFactory(config);
}

/** Gives the user the role in that tenant. */
export async function addRoleToUser(tenantId: string, userId: string, role: string, userContext: UserContext = {}) {
  return impl().addRoleToUser({ tenantId, userId, role, userContext });
}

/** Takes the role away from the user in that tenant. */
export async function removeUserRole(tenantId: string, userId: string, role: string, userContext: UserContext = {}) {
  return impl().removeUserRole({ tenantId, userId, role, userContext });
}

/** The roles the user has in that tenant, sorted. */
export async function getRolesForUser(tenantId: string, userId: string, userContext: UserContext = {}) {
  return impl().getRolesForUser({ tenantId, userId, userContext });
}

/** The users who have the role in that tenant, sorted. */
export async function getUsersThatHaveRole(tenantId: string, role: string, userContext: UserContext = {}) {
  return impl().getUsersThatHaveRole({ tenantId, role, userContext });
}

/** Creates the role if it does not exist and adds the permissions it lacks. */
export async function createNewRoleOrAddPermissions(role: string, permissions: string[], userContext: UserContext = {}) {
  return impl().createNewRoleOrAddPermissions({ role, permissions, userContext });
}

export async function getPermissionsForRole(role: string, userContext: UserContext = {}) {
  return impl().getPermissionsForRole({ role, userContext });
}

export async function removePermissionsFromRole(role: string, permissions: string[], userContext: UserContext = {}) {
  return impl().removePermissionsFromRole({ role, permissions, userContext });
}

export async function getRolesThatHavePermission(permission: string, userContext: UserContext = {}) {
  return impl().getRolesThatHavePermission({ permission, userContext });
}

/** Deletes the role with its permissions and every user's assignment of it. */
export async function deleteRole(role: string, userContext: UserContext = {}) {
  return impl().deleteRole({ role, userContext });
}

export async function getAllRoles(userContext: UserContext = {}) {
  return impl().getAllRoles({ userContext });
}

const UserRoles = {
  init,
  UserRoleClaim,
  PermissionClaim,
  addRoleToUser,
  removeUserRole,
  getRolesForUser,
  getUsersThatHaveRole,
  createNewRoleOrAddPermissions,
  getPermissionsForRole,
  removePermissionsFromRole,
  getRolesThatHavePermission,
  deleteRole,
  getAllRoles,
};

export default UserRoles;

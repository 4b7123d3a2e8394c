/** Types of the user roles recipe, declared once here and imported everywhere else. */
import type { UserContext } from "../../core/recipe.js";

export type { UserContext } from "../../core/recipe.js";

/** `UserRoles.init(config)`: every field is optional. */
export interface UserRolesConfig {
  /** Leave `st-role` out of new sessions (default false). */
  skipAddingRolesToAccessToken?: boolean;
  /** Leave `st-perm` out of new sessions (default false). */
  skipAddingPermissionsToAccessToken?: boolean;
  override?: {
    functions?: (originalImplementation: RecipeInterface) => RecipeInterface;
  };
}

type UnknownRole = { status: "UNKNOWN_ROLE_ERROR" };

/**
 * The overridable business functions of the user roles recipe (no HTTP). Roles and permissions
 * are app-wide; a user has a role in one tenant.
 */
export interface RecipeInterface {
  addRoleToUser(input: { userId: string; role: string; tenantId: string; userContext: UserContext }): Promise<{ status: "OK"; didUserAlreadyHaveRole: boolean } | UnknownRole>;
  removeUserRole(input: { userId: string; role: string; tenantId: string; userContext: UserContext }): Promise<{ status: "OK"; didUserHaveRole: boolean } | UnknownRole>;
  getRolesForUser(input: { userId: string; tenantId: string; userContext: UserContext }): Promise<{ status: "OK"; roles: string[] }>;
  getUsersThatHaveRole(input: { role: string; tenantId: string; userContext: UserContext }): Promise<{ status: "OK"; users: string[] } | UnknownRole>;
  createNewRoleOrAddPermissions(input: { role: string; permissions: string[]; userContext: UserContext }): Promise<{ status: "OK"; createdNewRole: boolean }>;
  getPermissionsForRole(input: { role: string; userContext: UserContext }): Promise<{ status: "OK"; permissions: string[] } | UnknownRole>;
  removePermissionsFromRole(input: { role: string; permissions: string[]; userContext: UserContext }): Promise<{ status: "OK" } | UnknownRole>;
  getRolesThatHavePermission(input: { permission: string; userContext: UserContext }): Promise<{ status: "OK"; roles: string[] }>;
  deleteRole(input: { role: string; userContext: UserContext }): Promise<{ status: "OK"; didRoleExist: boolean }>;
  getAllRoles(input: { userContext: UserContext }): Promise<{ status: "OK"; roles: string[] }>;
}

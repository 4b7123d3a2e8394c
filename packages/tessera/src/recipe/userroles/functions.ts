/**
 * The default RecipeInterface of the user roles recipe: business rules over storage, no HTTP.
 * Names are checked here, so a mistake in app code fails loudly instead of storing garbage.
 */
import { BadInputError } from "../../core/errors.js";
import type { Storage } from "../../core/storage.js";
import type { RecipeInterface } from "./types.js";

/** Longest role or permission name accepted: they travel in every access token. */
const MAX_NAME_LENGTH = 255;

function checkName(value: unknown, what: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_NAME_LENGTH) {
    throw new BadInputError(`${what} must be a non-empty string of at most ${MAX_NAME_LENGTH} characters`);
  }
  return value;
}

function checkNames(values: unknown, what: string): string[] {
  if (!Array.isArray(values)) throw new BadInputError(`${what} must be an array of strings`);
  return values.map((value) => checkName(value, what));
}

export function makeDefaultFunctions(storage: Storage): RecipeInterface {
  const store = storage.userRoles;
  return {
    async addRoleToUser({ userId, role, tenantId }) {
      const result = await store.addRoleToUser(checkName(tenantId, "tenantId"), checkName(userId, "userId"), checkName(role, "role"));
      return result === "UNKNOWN_ROLE" ? { status: "UNKNOWN_ROLE_ERROR" } : { status: "OK", didUserAlreadyHaveRole: result === "ALREADY_ASSIGNED" };
    },

    async removeUserRole({ userId, role, tenantId }) {
      const result = await store.removeRoleFromUser(checkName(tenantId, "tenantId"), checkName(userId, "userId"), checkName(role, "role"));
      return result === "UNKNOWN_ROLE" ? { status: "UNKNOWN_ROLE_ERROR" } : { status: "OK", didUserHaveRole: result === "REMOVED" };
    },

    async getRolesForUser({ userId, tenantId }) {
      return { status: "OK", roles: await store.getRolesForUser(tenantId, userId) };
    },

    async getUsersThatHaveRole({ role, tenantId }) {
      const users = await store.getUsersThatHaveRole(tenantId, role);
      return users === null ? { status: "UNKNOWN_ROLE_ERROR" } : { status: "OK", users };
    },

    async createNewRoleOrAddPermissions({ role, permissions }) {
      return { status: "OK", createdNewRole: await store.createRoleOrAddPermissions(checkName(role, "role"), checkNames(permissions, "permissions")) };
    },

    async getPermissionsForRole({ role }) {
      const permissions = await store.getPermissionsForRole(role);
      return permissions === null ? { status: "UNKNOWN_ROLE_ERROR" } : { status: "OK", permissions };
    },

    async removePermissionsFromRole({ role, permissions }) {
      return (await store.removePermissionsFromRole(role, checkNames(permissions, "permissions"))) ? { status: "OK" } : { status: "UNKNOWN_ROLE_ERROR" };
    },

    async getRolesThatHavePermission({ permission }) {
      return { status: "OK", roles: await store.getRolesThatHavePermission(permission) };
    },

    async deleteRole({ role }) {
      return { status: "OK", didRoleExist: await store.deleteRole(role) };
    },

    async getAllRoles() {
      return { status: "OK", roles: await store.getAllRoles() };
    },
  };
}

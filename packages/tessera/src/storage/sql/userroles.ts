/**
 * The user roles store over any {@link SqlDriver}: parameterised statements only. Lists are
 * sorted here by code unit, not by SQL: SQLite and PostgreSQL collate text differently.
 */
import type { UserRolesStore } from "../../core/storage.js";
import type { SqlDriver } from "./driver.js";

function sorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const column = <K extends string>(rows: Record<K, string>[], key: K): string[] => sorted(rows.map((row) => row[key]));

export function createSqlUserRolesStore(driver: SqlDriver): UserRolesStore {
  const roleExists = async (db: SqlDriver, role: string) => (await db.get("SELECT 1 AS found FROM userroles_roles WHERE role = ?", [role])) !== undefined;

  return {
    createRoleOrAddPermissions(role, permissions) {
      return driver.transaction(async (tx) => {
        const created = (await tx.run("INSERT INTO userroles_roles (role) VALUES (?) ON CONFLICT DO NOTHING", [role])).changes === 1;
        // Lock the role's row (PostgreSQL), so a concurrent deleteRole waits for the permissions
        // below instead of removing the role under them.
        if (!created && (await tx.run("UPDATE userroles_roles SET role = role WHERE role = ?", [role])).changes === 0) {
          await tx.run("INSERT INTO userroles_roles (role) VALUES (?) ON CONFLICT DO NOTHING", [role]);
        }
        for (const permission of new Set(permissions)) {
          await tx.run("INSERT INTO userroles_permissions (role, permission) VALUES (?, ?) ON CONFLICT DO NOTHING", [role, permission]);
        }
        return created;
      });
    },

    async getPermissionsForRole(role) {
      return driver.transaction(async (tx) => {
        if (!(await roleExists(tx, role))) return null;
        return column(await tx.all<{ permission: string }>("SELECT permission FROM userroles_permissions WHERE role = ?", [role]), "permission");
      });
    },

    removePermissionsFromRole(role, permissions) {
      return driver.transaction(async (tx) => {
        if (!(await roleExists(tx, role))) return false;
        for (const permission of new Set(permissions)) {
          await tx.run("DELETE FROM userroles_permissions WHERE role = ? AND permission = ?", [role, permission]);
        }
        return true;
      });
    },

    async deleteRole(role) {
      // ON DELETE CASCADE takes the permissions and the assignments with it.
      return (await driver.run("DELETE FROM userroles_roles WHERE role = ?", [role])).changes === 1;
    },

    async getAllRoles() {
      return column(await driver.all<{ role: string }>("SELECT role FROM userroles_roles"), "role");
    },

    async getRolesThatHavePermission(permission) {
      return column(await driver.all<{ role: string }>("SELECT role FROM userroles_permissions WHERE permission = ?", [permission]), "role");
    },

    async addRoleToUser(tenantId, userId, role) {
      // One statement: the row is inserted only if the role exists at that moment.
      const { changes } = await driver.run(
        "INSERT INTO userroles_user_roles (tenant_id, user_id, role) SELECT ?, ?, role FROM userroles_roles WHERE role = ? ON CONFLICT DO NOTHING",
        [tenantId, userId, role],
      );
      if (changes === 1) return "ADDED";
      return (await roleExists(driver, role)) ? "ALREADY_ASSIGNED" : "UNKNOWN_ROLE";
    },

    async removeRoleFromUser(tenantId, userId, role) {
      const { changes } = await driver.run("DELETE FROM userroles_user_roles WHERE tenant_id = ? AND user_id = ? AND role = ?", [tenantId, userId, role]);
      if (changes > 0) return "REMOVED";
      return (await roleExists(driver, role)) ? "NOT_ASSIGNED" : "UNKNOWN_ROLE";
    },

    async getRolesForUser(tenantId, userId) {
      return column(await driver.all<{ role: string }>("SELECT role FROM userroles_user_roles WHERE tenant_id = ? AND user_id = ?", [tenantId, userId]), "role");
    },

    async getUsersThatHaveRole(tenantId, role) {
      return driver.transaction(async (tx) => {
        if (!(await roleExists(tx, role))) return null;
        return column(await tx.all<{ user_id: string }>("SELECT user_id FROM userroles_user_roles WHERE tenant_id = ? AND role = ?", [tenantId, role]), "user_id");
      });
    },
  };
}

/**
 * The conformance suite of the {@link UserRolesStore} port, written once and run by every storage
 * adapter. `open()` must return a storage on an empty, migrated database each time. Lists must
 * come back sorted by code unit on every adapter.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { Storage } from "../../src/core/storage.js";
import { freshStorageEachTest } from "./fresh-storage.js";

const INJECTIONS = ["' OR '1'='1'--", "x' OR 1=1 --", "'); DROP TABLE userroles_roles;--", '"; DELETE FROM userroles_user_roles; --'];

export function describeUserRolesStoreSuite(name: string, open: () => Promise<Storage>, cleanup?: (storage: Storage) => Promise<void>): void {
  describe(`UserRolesStore conformance (${name})`, () => {
    let storage: Storage;
    freshStorageEachTest(open, cleanup, (opened) => (storage = opened));
    const store = () => storage.userRoles;

    describe("roles and permissions", () => {
      it("creates a role with permissions, then adds only the missing ones to it", async () => {
        expect(await store().createRoleOrAddPermissions("admin", ["write", "read"])).toBe(true);
        expect(await store().createRoleOrAddPermissions("admin", ["read", "delete"])).toBe(false);
        expect(await store().getPermissionsForRole("admin")).toEqual(["delete", "read", "write"]);
      });

      it("creates a role with no permissions and ignores a permission listed twice", async () => {
        expect(await store().createRoleOrAddPermissions("viewer", [])).toBe(true);
        expect(await store().getPermissionsForRole("viewer")).toEqual([]);
        await store().createRoleOrAddPermissions("viewer", ["read", "read"]);
        expect(await store().getPermissionsForRole("viewer")).toEqual(["read"]);
      });

      it("answers null (not an empty list) for an unknown role's permissions", async () => {
        expect(await store().getPermissionsForRole("ghost")).toBeNull();
      });

      it("removes some permissions, ignores ones the role lacks, and refuses an unknown role", async () => {
        await store().createRoleOrAddPermissions("admin", ["read", "write", "delete"]);
        expect(await store().removePermissionsFromRole("admin", ["write", "never-had"])).toBe(true);
        expect(await store().getPermissionsForRole("admin")).toEqual(["delete", "read"]);
        expect(await store().removePermissionsFromRole("ghost", ["read"])).toBe(false);
      });

      it("lists every role and the roles that have a permission, sorted by code unit", async () => {
        await store().createRoleOrAddPermissions("b-role", ["read"]);
        await store().createRoleOrAddPermissions("A-role", ["read", "write"]);
        await store().createRoleOrAddPermissions("a-role", []);
        expect(await store().getAllRoles()).toEqual(["A-role", "a-role", "b-role"]);
        expect(await store().getRolesThatHavePermission("read")).toEqual(["A-role", "b-role"]);
        expect(await store().getRolesThatHavePermission("nobody-has-it")).toEqual([]);
      });

      it("deletes a role with its permissions and assignments, and says whether it existed", async () => {
        await store().createRoleOrAddPermissions("admin", ["read"]);
        await store().addRoleToUser("public", "user-1", "admin");
        expect(await store().deleteRole("admin")).toBe(true);
        expect(await store().getAllRoles()).toEqual([]);
        expect(await store().getRolesForUser("public", "user-1")).toEqual([]);
        expect(await store().getRolesThatHavePermission("read")).toEqual([]);
        expect(await store().deleteRole("admin")).toBe(false);
        // Recreated, it starts empty: nothing of the old role survives.
        await store().createRoleOrAddPermissions("admin", []);
        expect(await store().getPermissionsForRole("admin")).toEqual([]);
        expect(await store().getUsersThatHaveRole("public", "admin")).toEqual([]);
      });

      it("lets exactly one of two concurrent creations of a role say it created it", async () => {
        const results = await Promise.all([store().createRoleOrAddPermissions("race", ["a"]), store().createRoleOrAddPermissions("race", ["b"])]);
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store().getPermissionsForRole("race")).toEqual(["a", "b"]);
      });
    });

    describe("user roles", () => {
      beforeEach(async () => {
        await store().createRoleOrAddPermissions("admin", ["write"]);
        await store().createRoleOrAddPermissions("viewer", ["read"]);
      });

      it("adds a role to a user once, and refuses an unknown role", async () => {
        expect(await store().addRoleToUser("public", "user-1", "admin")).toBe("ADDED");
        expect(await store().addRoleToUser("public", "user-1", "admin")).toBe("ALREADY_ASSIGNED");
        expect(await store().addRoleToUser("public", "user-1", "ghost")).toBe("UNKNOWN_ROLE");
        expect(await store().getRolesForUser("public", "user-1")).toEqual(["admin"]);
      });

      it("keeps assignments per tenant", async () => {
        await store().addRoleToUser("public", "user-1", "admin");
        await store().addRoleToUser("acme", "user-1", "viewer");
        expect(await store().getRolesForUser("public", "user-1")).toEqual(["admin"]);
        expect(await store().getRolesForUser("acme", "user-1")).toEqual(["viewer"]);
        expect(await store().getUsersThatHaveRole("acme", "admin")).toEqual([]);
        expect(await store().getUsersThatHaveRole("public", "admin")).toEqual(["user-1"]);
      });

      it("removes a role from a user, and tells not-assigned from unknown role", async () => {
        await store().addRoleToUser("public", "user-1", "admin");
        expect(await store().removeRoleFromUser("acme", "user-1", "admin")).toBe("NOT_ASSIGNED");
        expect(await store().removeRoleFromUser("public", "user-1", "admin")).toBe("REMOVED");
        expect(await store().removeRoleFromUser("public", "user-1", "admin")).toBe("NOT_ASSIGNED");
        expect(await store().removeRoleFromUser("public", "user-1", "ghost")).toBe("UNKNOWN_ROLE");
      });

      it("lists the users of a role sorted, and answers null for an unknown role", async () => {
        for (const user of ["u-b", "U-a", "u-a"]) await store().addRoleToUser("public", user, "viewer");
        expect(await store().getUsersThatHaveRole("public", "viewer")).toEqual(["U-a", "u-a", "u-b"]);
        expect(await store().getUsersThatHaveRole("public", "ghost")).toBeNull();
      });

      it("lets exactly one of two concurrent assignments of a role add it", async () => {
        const results = await Promise.all([store().addRoleToUser("public", "user-1", "admin"), store().addRoleToUser("public", "user-1", "admin")]);
        expect([...results].sort()).toEqual(["ADDED", "ALREADY_ASSIGNED"]);
      });

      it("treats injection strings as literal values", async () => {
        for (const value of INJECTIONS) {
          await store().createRoleOrAddPermissions(value, [value]);
          expect(await store().addRoleToUser(value, value, value)).toBe("ADDED");
          expect(await store().getRolesForUser(value, value)).toEqual([value]);
          expect(await store().getPermissionsForRole(value)).toEqual([value]);
        }
        expect(await store().getRolesForUser("public", "' OR '1'='1")).toEqual([]);
        expect(await store().getPermissionsForRole("admin")).toEqual(["write"]);
      });
    });
  });
}

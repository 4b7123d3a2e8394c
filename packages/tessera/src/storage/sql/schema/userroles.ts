import type { Migration } from "../migrations.js";

/**
 * Migration 6: roles, their permissions, and which user has which role in which tenant. Roles
 * are app-wide; deleting one removes its permissions and assignments (ON DELETE CASCADE).
 */
export const USER_ROLES_MIGRATION: Migration = {
  version: 6,
  name: "user roles and permissions",
  sqlite: `
CREATE TABLE userroles_roles (
  role TEXT PRIMARY KEY NOT NULL
) STRICT;
CREATE TABLE userroles_permissions (
  role TEXT NOT NULL REFERENCES userroles_roles (role) ON DELETE CASCADE,
  permission TEXT NOT NULL,
  PRIMARY KEY (role, permission)
) STRICT;
CREATE INDEX userroles_permissions_permission_idx ON userroles_permissions (permission);
CREATE TABLE userroles_user_roles (
  tenant_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  role TEXT NOT NULL REFERENCES userroles_roles (role) ON DELETE CASCADE,
  PRIMARY KEY (tenant_id, user_id, role)
) STRICT;
CREATE INDEX userroles_user_roles_role_idx ON userroles_user_roles (tenant_id, role);
CREATE INDEX userroles_user_roles_role_only_idx ON userroles_user_roles (role);
`,
  postgres: `
CREATE TABLE userroles_roles (
  role TEXT PRIMARY KEY
);
CREATE TABLE userroles_permissions (
  role TEXT NOT NULL REFERENCES userroles_roles (role) ON DELETE CASCADE,
  permission TEXT NOT NULL,
  PRIMARY KEY (role, permission)
);
CREATE INDEX userroles_permissions_permission_idx ON userroles_permissions (permission);
CREATE TABLE userroles_user_roles (
  tenant_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  role TEXT NOT NULL REFERENCES userroles_roles (role) ON DELETE CASCADE,
  PRIMARY KEY (tenant_id, user_id, role)
);
CREATE INDEX userroles_user_roles_role_idx ON userroles_user_roles (tenant_id, role);
CREATE INDEX userroles_user_roles_role_only_idx ON userroles_user_roles (role);
`,
};

/**
 * Roles and permissions: the module functions, `st-role` / `st-perm` in new sessions per tenant,
 * the array validators with their exact 403 bodies, and how a role change reaches an existing
 * session (after a validator's maxAgeInSeconds, or at once with fetchAndSetClaim).
 */
import { randomUUID } from "node:crypto";
import type { Express } from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadInputError } from "../../src/core/errors.js";
import type { SessionRequest } from "../../src/framework/express/index.js";
import { verifySession } from "../../src/recipe/session/framework/express.js";
import Session from "../../src/recipe/session/index.js";
import UserRoles, { PermissionClaim, UserRoleClaim, type UserRolesConfig } from "../../src/recipe/userroles/index.js";
import type { SessionClaimValidator } from "../../src/recipe/session/claims/index.js";
import { Client, startTestApp, type TestApp } from "../helpers/app.js";
import { readJSON } from "../session/helpers.js";

const guarded = (app: Express, path: string, validator: () => SessionClaimValidator) =>
  app.get(path, verifySession({ overrideGlobalClaimValidators: (global) => [...global, validator()] }), (_req, res) => res.json({ ok: true }));

function rolesApp(config?: UserRolesConfig): { readonly current: TestApp } {
  let app: TestApp | undefined;
  beforeAll(async () => {
    app = await startTestApp({
      recipeList: [Session.init(), UserRoles.init(config)],
      routes: (express) => {
        express.post("/test/login", async (req, res) => {
          const { userId, tenantId } = (await readJSON(req)) as { userId: string; tenantId?: string };
          const session = await Session.createNewSession(req, res, tenantId ?? "public", userId);
          res.json({ handle: session.getHandle() });
        });
        guarded(express, "/admin", () => UserRoleClaim.validators.includes("admin"));
        guarded(express, "/admin-fresh", () => UserRoleClaim.validators.includes("admin", 60));
        guarded(express, "/editor", () => PermissionClaim.validators.includesAll(["read", "write"]));
        guarded(express, "/not-banned", () => UserRoleClaim.validators.excludes("banned"));
        guarded(express, "/staff", () => UserRoleClaim.validators.includesAny(["admin", "support"]));
        guarded(express, "/no-delete", () => PermissionClaim.validators.excludesAll(["delete", "purge"]));
        express.post("/refresh-roles", verifySession(), async (req: SessionRequest, res) => {
          await req.session?.fetchAndSetClaim(UserRoleClaim);
          await req.session?.fetchAndSetClaim(PermissionClaim);
          res.json({ roles: await req.session?.getClaimValue(UserRoleClaim) });
        });
      },
    });
  });
  afterAll(async () => app?.close());
  return {
    get current() {
      if (!app) throw new Error("the roles app is not started");
      return app;
    },
  };
}

async function login(app: TestApp, userId: string, tenantId?: string): Promise<{ client: Client; handle: string }> {
  const client = new Client(app.url);
  const reply = await client.request("POST", "/test/login", { body: { userId, tenantId } });
  expect(reply.status).toBe(200);
  return { client, handle: reply.body?.handle as string };
}

const payloadOf = (client: Client) => client.frontPayload() ?? {};
const invalid = (id: string, reason: Record<string, unknown>) => ({ message: "invalid claim", claimValidationErrors: [{ id, reason }] });
const newUser = () => `user-${randomUUID()}`;

describe("UserRoles module functions", () => {
  rolesApp();

  it("creates roles, adds and removes permissions, and answers UNKNOWN_ROLE_ERROR for roles that do not exist", async () => {
    const role = `r-${randomUUID()}`;
    expect(await UserRoles.createNewRoleOrAddPermissions(role, ["read"])).toEqual({ status: "OK", createdNewRole: true });
    expect(await UserRoles.createNewRoleOrAddPermissions(role, ["write"])).toEqual({ status: "OK", createdNewRole: false });
    expect(await UserRoles.getPermissionsForRole(role)).toEqual({ status: "OK", permissions: ["read", "write"] });
    expect(await UserRoles.removePermissionsFromRole(role, ["read"])).toEqual({ status: "OK" });
    expect(await UserRoles.getPermissionsForRole(role)).toEqual({ status: "OK", permissions: ["write"] });
    expect(await UserRoles.getRolesThatHavePermission("write")).toEqual({ status: "OK", roles: expect.arrayContaining([role]) });
    expect(await UserRoles.getPermissionsForRole("ghost")).toEqual({ status: "UNKNOWN_ROLE_ERROR" });
    expect(await UserRoles.removePermissionsFromRole("ghost", ["read"])).toEqual({ status: "UNKNOWN_ROLE_ERROR" });
    expect((await UserRoles.getAllRoles()).roles).toContain(role);
    expect(await UserRoles.deleteRole(role)).toEqual({ status: "OK", didRoleExist: true });
    expect(await UserRoles.deleteRole(role)).toEqual({ status: "OK", didRoleExist: false });
  });

  it("assigns roles per tenant and lists users and roles", async () => {
    const role = `r-${randomUUID()}`;
    const user = newUser();
    await UserRoles.createNewRoleOrAddPermissions(role, []);
    expect(await UserRoles.addRoleToUser("public", user, role)).toEqual({ status: "OK", didUserAlreadyHaveRole: false });
    expect(await UserRoles.addRoleToUser("public", user, role)).toEqual({ status: "OK", didUserAlreadyHaveRole: true });
    expect(await UserRoles.addRoleToUser("public", user, "ghost")).toEqual({ status: "UNKNOWN_ROLE_ERROR" });
    expect(await UserRoles.getRolesForUser("public", user)).toEqual({ status: "OK", roles: [role] });
    expect(await UserRoles.getRolesForUser("acme", user)).toEqual({ status: "OK", roles: [] });
    expect(await UserRoles.getUsersThatHaveRole("public", role)).toEqual({ status: "OK", users: [user] });
    expect(await UserRoles.getUsersThatHaveRole("public", "ghost")).toEqual({ status: "UNKNOWN_ROLE_ERROR" });
    expect(await UserRoles.removeUserRole("acme", user, role)).toEqual({ status: "OK", didUserHaveRole: false });
    expect(await UserRoles.removeUserRole("public", user, role)).toEqual({ status: "OK", didUserHaveRole: true });
    expect(await UserRoles.removeUserRole("public", user, "ghost")).toEqual({ status: "UNKNOWN_ROLE_ERROR" });
  });

  it("throws BadInputError for names that are not non-empty strings", async () => {
    await expect(UserRoles.createNewRoleOrAddPermissions("", [])).rejects.toBeInstanceOf(BadInputError);
    await expect(UserRoles.createNewRoleOrAddPermissions("x", [42 as never])).rejects.toBeInstanceOf(BadInputError);
    await expect(UserRoles.createNewRoleOrAddPermissions("x", "read" as never)).rejects.toBeInstanceOf(BadInputError);
    await expect(UserRoles.addRoleToUser("public", "u", "x".repeat(256))).rejects.toBeInstanceOf(BadInputError);
  });
});

describe("UserRoleClaim and PermissionClaim in sessions", () => {
  const app = rolesApp();
  beforeAll(async () => {
    await UserRoles.createNewRoleOrAddPermissions("admin", ["read", "write", "delete"]);
    await UserRoles.createNewRoleOrAddPermissions("viewer", ["read"]);
    await UserRoles.createNewRoleOrAddPermissions("banned", []);
  });

  it("adds the roles and permissions of the session's tenant to a new session", async () => {
    const user = newUser();
    await UserRoles.addRoleToUser("public", user, "viewer");
    await UserRoles.addRoleToUser("acme", user, "admin");
    const t = app.current.clock.now();
    expect(payloadOf((await login(app.current, user)).client)).toMatchObject({ "st-role": { v: ["viewer"], t }, "st-perm": { v: ["read"], t } });
    expect(payloadOf((await login(app.current, user, "acme")).client)).toMatchObject({ "st-role": { v: ["admin"], t }, "st-perm": { v: ["delete", "read", "write"], t } });
  });

  it("answers 403 with each array validator's exact reason, and 200 when it holds", async () => {
    const user = newUser();
    await UserRoles.addRoleToUser("public", user, "viewer");
    const { client } = await login(app.current, user);
    expect((await client.request("GET", "/admin")).body).toEqual(invalid("st-role", { message: "wrong value", expectedToInclude: "admin", actualValue: ["viewer"] }));
    expect((await client.request("GET", "/editor")).body).toEqual(invalid("st-perm", { message: "wrong value", expectedToInclude: ["read", "write"], actualValue: ["read"] }));
    expect((await client.request("GET", "/staff")).body).toEqual(invalid("st-role", { message: "wrong value", expectedToIncludeAtLeastOneOf: ["admin", "support"], actualValue: ["viewer"] }));
    expect((await client.request("GET", "/not-banned")).status).toBe(200);
    expect((await client.request("GET", "/no-delete")).status).toBe(200);

    const admin = newUser();
    await UserRoles.addRoleToUser("public", admin, "admin");
    await UserRoles.addRoleToUser("public", admin, "banned");
    const other = (await login(app.current, admin)).client;
    expect((await other.request("GET", "/admin")).status).toBe(200);
    expect((await other.request("GET", "/editor")).status).toBe(200);
    expect((await other.request("GET", "/staff")).status).toBe(200);
    expect((await other.request("GET", "/not-banned")).body).toEqual(invalid("st-role", { message: "wrong value", expectedToNotInclude: "banned", actualValue: ["admin", "banned"] }));
    expect((await other.request("GET", "/no-delete")).body).toEqual(invalid("st-perm", { message: "wrong value", expectedToNotInclude: ["delete", "purge"], actualValue: ["delete", "read", "write"] }));
  });

  it("shows a removed role to an existing session once the value is older than the route's maxAgeInSeconds", async () => {
    const user = newUser();
    await UserRoles.addRoleToUser("public", user, "admin");
    const { client } = await login(app.current, user);
    const t0 = app.current.clock.now();
    await UserRoles.removeUserRole("public", user, "admin");
    app.current.clock.advance(60_000);
    expect((await client.request("GET", "/admin-fresh")).status).toBe(200);
    app.current.clock.advance(1);
    const reply = await client.request("GET", "/admin-fresh");
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual(invalid("st-role", { message: "wrong value", expectedToInclude: "admin", actualValue: [] }));
    // The refetched value went out with the 403, so the next request does not fetch again.
    expect(payloadOf(client)["st-role"]).toEqual({ v: [], t: t0 + 60_001 });
  });

  it("keeps a stale role without a max age: built-in claims have none by default", async () => {
    const user = newUser();
    await UserRoles.addRoleToUser("public", user, "admin");
    const { client } = await login(app.current, user);
    await UserRoles.removeUserRole("public", user, "admin");
    app.current.clock.advance(24 * 3600 * 1000);
    await client.refresh();
    expect((await client.request("GET", "/admin")).status).toBe(200);
  });

  it("shows an added role at once after fetchAndSetClaim in a request", async () => {
    const user = newUser();
    const { client } = await login(app.current, user);
    expect((await client.request("GET", "/admin")).status).toBe(403);
    await UserRoles.addRoleToUser("public", user, "admin");
    expect((await client.request("GET", "/admin")).status).toBe(403);
    const reply = await client.request("POST", "/refresh-roles");
    expect(reply.body).toEqual({ roles: ["admin"] });
    expect(payloadOf(client)["st-perm"]).toMatchObject({ v: ["delete", "read", "write"] });
    expect((await client.request("GET", "/admin")).status).toBe(200);
  });

  it("shows a role set by session handle (Session.fetchAndSetClaim) after the session's next refresh", async () => {
    const user = newUser();
    const { client, handle } = await login(app.current, user);
    await UserRoles.addRoleToUser("public", user, "admin");
    expect(await Session.fetchAndSetClaim(handle, UserRoleClaim)).toBe(true);
    expect((await client.request("GET", "/admin")).status).toBe(403);
    expect((await client.refresh()).status).toBe(200);
    expect((await client.request("GET", "/admin")).status).toBe(200);
  });
});

describe("UserRoles with the claims switched off", () => {
  const app = rolesApp({ skipAddingRolesToAccessToken: true, skipAddingPermissionsToAccessToken: true });

  it("adds neither claim to new sessions, and a route that asks fetches the value then", async () => {
    await UserRoles.createNewRoleOrAddPermissions("admin", ["write"]);
    const user = newUser();
    await UserRoles.addRoleToUser("public", user, "admin");
    const { client } = await login(app.current, user);
    expect(payloadOf(client)).not.toHaveProperty("st-role");
    expect(payloadOf(client)).not.toHaveProperty("st-perm");
    expect((await client.request("GET", "/admin")).status).toBe(200);
    expect(payloadOf(client)["st-role"]).toMatchObject({ v: ["admin"] });
  });
});

describe("UserRoles overrides", () => {
  const app = rolesApp({
    override: {
      functions: (original) => ({
        ...original,
        // Everyone is a viewer in addition to their stored roles.
        getRolesForUser: async (input) => ({ status: "OK", roles: [...new Set([...(await original.getRolesForUser(input)).roles, "viewer"])].sort() }),
      }),
    },
  });

  it("reach the claims: st-role and st-perm follow an overridden getRolesForUser", async () => {
    await UserRoles.createNewRoleOrAddPermissions("viewer", ["read"]);
    const { client } = await login(app.current, newUser());
    expect(payloadOf(client)).toMatchObject({ "st-role": { v: ["viewer"] }, "st-perm": { v: ["read"] } });
  });
});

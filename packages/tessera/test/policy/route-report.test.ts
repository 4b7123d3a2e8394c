/**
 * The route-policy report (issue 8): every route guarded by verifySession with the validators
 * that apply to it (global and per route), for the demo's routes and for the ways Express apps
 * mount guards; and the CLI that prints it for an app module.
 */
import express, { type Express } from "express";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VERIFY_SESSION_OPTIONS, markVerifySession, readVerifySessionOptions } from "../../src/core/route-report.js";
import EmailVerification, { EmailVerificationClaim } from "../../src/recipe/emailverification/index.js";
import MultiFactorAuth, { MultiFactorAuthClaim } from "../../src/recipe/multifactorauth/index.js";
import Session from "../../src/recipe/session/index.js";
import { formatRoutePolicyReport, getRoutePolicyReport, runRouteReportCLI, type RoutePolicyReport } from "../../src/recipe/session/route-report.js";
import TOTP from "../../src/recipe/totp/index.js";
import UserRoles, { UserRoleClaim } from "../../src/recipe/userroles/index.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { verifySession } from "./marked-verify-session.js";

const MFA = { id: "st-mfa", claimKey: "st-mfa" };
const EV = { id: "st-ev", claimKey: "st-ev" };
const plain = { sessionRequired: true, checkDatabase: false, overridesGlobalValidators: false, removedGlobalValidators: [] };

describe("route metadata", () => {
  it("marks a handler with its options under a shared symbol, non-enumerable, and reads them back", () => {
    const options = { sessionRequired: false };
    const handler = markVerifySession(() => {}, options);
    expect(readVerifySessionOptions(handler)).toBe(options);
    expect(Object.keys(handler)).toEqual([]);
    expect(VERIFY_SESSION_OPTIONS).toBe(Symbol.for("tessera.verifySessionOptions"));
    expect(readVerifySessionOptions(markVerifySession(() => {}, undefined))).toEqual({});
    expect(readVerifySessionOptions(() => {})).toBeUndefined();
    expect(readVerifySessionOptions(null)).toBeUndefined();
  });
});

describe("the route-policy report of the demo", () => {
  let report: RoutePolicyReport;
  let text = "";
  beforeAll(async () => {
    // The fixture exports no app and starts a server, as the demo does: the CLI finds the app there.
    const written: string[] = [];
    const code = await runRouteReportCLI(["--json", "test/policy/fixtures/demo-app.ts"], {
      importModule: (url) => import(url),
      write: (chunk) => void written.push(chunk),
      cwd: new URL("../..", import.meta.url).pathname,
    });
    const { stop } = (await import("./fixtures/demo-app.js")) as { stop(): Promise<void> };
    await stop();
    expect(code).toBe(0);
    report = JSON.parse(written.join("")) as RoutePolicyReport;
    text = formatRoutePolicyReport(report);
  });

  it("lists /like-comment with the global st-mfa and the seed's claim added by the route", () => {
    expect(report.globalValidators).toEqual([MFA]);
    expect(report.guardedRoutes).toEqual([
      {
        method: "POST",
        path: "/like-comment",
        guards: [{ ...plain, overridesGlobalValidators: true, validators: [{ ...MFA, source: "global" }, { id: "2fa-completed", claimKey: "2fa-completed", source: "route" }] }],
      },
    ]);
    expect(report.unguardedRoutes).toEqual([
      { method: "GET", path: "/app.js" },
      { method: "GET", path: "/{*page}" },
    ]);
    expect(report.tesseraEndpoints).toEqual(
      expect.arrayContaining([
        { method: "POST", path: "/auth/signin", recipeId: "emailpassword" },
        { method: "PUT", path: "/auth/mfa/info", recipeId: "multifactorauth" },
        { method: "POST", path: "/auth/totp/verify", recipeId: "totp" },
        { method: "POST", path: "/auth/session/refresh", recipeId: "session" },
      ]),
    );
  });

  it("prints it as text", () => {
    expect(text).toContain("Global validators (applied by every verifySession unless a route overrides them): st-mfa\n");
    expect(text).toContain("Routes guarded by verifySession:\n  POST /like-comment\n    validators: st-mfa (global), 2fa-completed (route)\n");
    expect(text).toContain("Routes without verifySession:\n  GET /app.js\n  GET /{*page}\n");
    expect(text).toContain("  PUT /auth/mfa/info (multifactorauth)\n");
  });
});

describe("the route-policy report of guards mounted in every Express way", () => {
  let app: TestApp;
  let report: RoutePolicyReport;
  const routes = (server: Express) => {
    server.get("/open", (_req, res) => res.json({}));
    server.get("/plain", verifySession(), (_req, res) => res.json({}));
    server.get("/optional", verifySession({ sessionRequired: false, checkDatabase: true }), (_req, res) => res.json({}));
    server.post("/pay", verifySession({ overrideGlobalClaimValidators: (global) => [...global, MultiFactorAuthClaim.validators.hasCompletedFactorWithin("totp", 300)] }), (_req, res) => res.json({}));
    server.get("/unverified-ok", verifySession({ overrideGlobalClaimValidators: (global) => global.filter((v) => v.id !== "st-ev") }), (_req, res) => res.json({}));
    server.get("/skip-all", verifySession({ overrideGlobalClaimValidators: () => [] }), (_req, res) => res.json({}));
    server.get(
      "/needs-db",
      verifySession({
        overrideGlobalClaimValidators: async (global, session) => ((await session.getSessionDataFromDatabase()).vip ? global : [...global, UserRoleClaim.validators.includes("vip")]),
      }),
      (_req, res) => res.json({}),
    );
    server.route("/both").all(verifySession()).get((_req, res) => res.json({})).put((_req, res) => res.json({}));
    server.use("/admin", verifySession({ overrideGlobalClaimValidators: (global) => [...global, UserRoleClaim.validators.includes("admin")] }));
    server.get("/admin/users", (_req, res) => res.json({}));
    server.get("/administrator", (_req, res) => res.json({}));
    const api = express.Router();
    api.get("/before", (_req, res) => res.json({}));
    api.use(verifySession());
    api.get("/after", (_req, res) => res.json({}));
    api.delete("/after", verifySession({ overrideGlobalClaimValidators: (global) => [...global, EmailVerificationClaim.validators.isVerified(10, 60, "ev-fresh")] }), (_req, res) => res.json({}));
    server.use("/api/v1", api);
  };
  beforeAll(async () => {
    app = await startTestApp({
      recipeList: [Session.init(), EmailVerification.init({ mode: "REQUIRED" }), MultiFactorAuth.init({ policy: "marked-users" }), TOTP.init(), UserRoles.init()],
      routes,
    });
    report = await getRoutePolicyReport(app.app);
  });
  afterAll(async () => app?.close());

  const route = (method: string, path: string) => report.guardedRoutes.find((r) => r.method === method && r.path === path);

  it("starts from the global validators, in recipe order", () => {
    expect(report.globalValidators).toEqual([EV, MFA]);
    expect(route("GET", "/plain")?.guards).toEqual([{ ...plain, validators: [{ ...EV, source: "global" }, { ...MFA, source: "global" }] }]);
  });

  it("shows the options that matter to a review", () => {
    expect(route("GET", "/optional")?.guards[0]).toMatchObject({ sessionRequired: false, checkDatabase: true });
  });

  it("shows what a route adds, and what it removes", () => {
    expect(route("POST", "/pay")?.guards[0]?.validators).toEqual([{ ...EV, source: "global" }, { ...MFA, source: "global" }, { ...MFA, source: "route" }]);
    expect(route("GET", "/unverified-ok")?.guards[0]).toMatchObject({ validators: [{ ...MFA, source: "global" }], removedGlobalValidators: ["st-ev"] });
    expect(route("GET", "/skip-all")?.guards[0]).toMatchObject({ validators: [], removedGlobalValidators: ["st-ev", "st-mfa"] });
  });

  it("reports an override that cannot run for a stub session, with its error", () => {
    expect(route("GET", "/needs-db")?.guards[0]).toMatchObject({
      overridesGlobalValidators: true,
      validators: [],
      error: "session.getSessionDataFromDatabase() is not available in the route report (it runs no request)",
    });
  });

  it("applies a guard given to route.all() to each of the route's methods", () => {
    expect(route("GET", "/both")?.guards).toHaveLength(1);
    expect(route("PUT", "/both")?.guards).toHaveLength(1);
  });

  it("applies app.use(path, verifySession()) to later routes under that path only", () => {
    expect(route("GET", "/admin/users")?.guards[0]?.validators.at(-1)).toEqual({ id: "st-role", claimKey: "st-role", source: "route" });
    expect(report.unguardedRoutes).toEqual(expect.arrayContaining([{ method: "GET", path: "/administrator" }, { method: "GET", path: "/open" }]));
  });

  it("follows mounted routers: router.use(verifySession()) guards the routes after it, and stacks with a route's own guard", () => {
    expect(report.unguardedRoutes).toContainEqual({ method: "GET", path: "/api/v1/before" });
    expect(route("GET", "/api/v1/after")?.guards).toHaveLength(1);
    const stacked = route("DELETE", "/api/v1/after")?.guards;
    expect(stacked).toHaveLength(2);
    expect(stacked?.[1]?.validators.at(-1)).toEqual({ id: "ev-fresh", claimKey: "st-ev", source: "route" });
  });

  it("prints removed validators and failed overrides", () => {
    const text = formatRoutePolicyReport(report);
    expect(text).toContain("  GET /skip-all\n    validators: (none: claims not checked)\n    removes global: st-ev, st-mfa\n");
    expect(text).toContain("  GET /optional\n    validators: st-ev (global), st-mfa (global) [session optional, checks database]\n");
    expect(text).toContain("  GET /needs-db\n    validators: unknown: the override threw for a stub session: session.getSessionDataFromDatabase()");
  });

  it("prints the report of a module's named export with --export", async () => {
    const written: string[] = [];
    expect(await runRouteReportCLI(["app.mjs", "--export", "server"], { importModule: async () => ({ server: app.app }), write: (t) => void written.push(t) })).toBe(0);
    expect(written.join("")).toBe(formatRoutePolicyReport(report));
  });

  it("refuses something that is not an Express app", async () => {
    await expect(getRoutePolicyReport({})).rejects.toThrow(/Express app/);
  });
});

describe("tessera-route-report arguments", () => {
  it("prints the usage and answers 2 without a module", async () => {
    const written: string[] = [];
    expect(await runRouteReportCLI([], { importModule: async () => ({}), write: (t) => void written.push(t) })).toBe(2);
    expect(await runRouteReportCLI(["app.mjs", "--export"], { importModule: async () => ({}), write: (t) => void written.push(t) })).toBe(2);
    expect(written[0]).toMatch(/^usage: tessera-route-report <app module>/);
  });

  it("answers 1 when the module has no Express app", async () => {
    const written: string[] = [];
    expect(await runRouteReportCLI(["nothing.mjs"], { importModule: async () => ({ default: 42 }), write: (t) => void written.push(t) })).toBe(1);
    expect(written.join("")).toMatch(/exports no Express app/);
  });
});

describe("the tessera-route-report binary on the demo app", () => {
  const bin = fileURLToPath(new URL("../../bin/tessera-route-report.mjs", import.meta.url));
  const demo = fileURLToPath(new URL("../../../../apps/demo/", import.meta.url));
  // The demo needs its UI bundle and the built package, both made by `npm run build` (npm test does
  // it); a checkout without them skips, CI never does.
  const built = existsSync(`${demo}dist/ui/index.html`) && existsSync(fileURLToPath(new URL("../../dist/esm/index.js", import.meta.url)));

  it.runIf(built || process.env.CI)("prints --json that parses although the demo logs while it starts, listing /like-comment with its validators", async () => {
    const run = await promisify(execFile)(process.execPath, [bin, "server.mjs", "--json"], {
      cwd: demo,
      env: { ...process.env, DATABASE_URL: "sqlite::memory:", PORT: "0" },
      timeout: 30_000,
    });
    const report = JSON.parse(run.stdout) as RoutePolicyReport;
    const like = report.guardedRoutes.find((r) => r.method === "POST" && r.path === "/like-comment");
    expect(like?.guards[0]?.validators.map((v) => `${v.id}:${v.source}`)).toEqual(["st-mfa:global", "2fa-completed:route"]);
    expect(run.stderr).toContain("Tessera demo on"); // the demo's own line, kept off stdout
  });
});

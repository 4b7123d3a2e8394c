/**
 * `tessera/recipe/session/route-report`: which routes of a running app are guarded by
 * `verifySession`, and which claim validators each guard applies, for a security review ("which
 * routes require 2FA?"). {@link getRoutePolicyReport} reads an Express app (4 or 5);
 * `tessera-route-report <module>` prints it for an app module.
 *
 * How it knows: each `verifySession(options)` middleware carries its options (see
 * `core/route-report.ts`); the report walks the app's router stack in order, so a guard mounted
 * with `app.use(path, verifySession())` counts for the routes registered after it under `path`.
 * For each guard it asks the session recipe for the global validators (as `verifySession` does)
 * and, when the route overrides them, calls `overrideGlobalClaimValidators(global, stubSession, {})`.
 *
 * Limits: an override or a `getGlobalClaimValidators` override that depends on the user, the
 * tenant, the session's payload or the request is seen for a stub session (user
 * `"<route-report>"`, tenant `"public"`, empty payload); one that throws for it is reported with
 * its error. Guards inside handlers (`Session.getSession` called by hand) and routers that are
 * not Express routers are not seen. Patterns given as regular expressions are shown as such.
 *
 * @example
 * import { getRoutePolicyReport, formatRoutePolicyReport } from "tessera/recipe/session/route-report";
 * console.log(formatRoutePolicyReport(await getRoutePolicyReport(app)));
 */
import http from "node:http";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { getInstance } from "../../core/instance.js";
import { readVerifySessionOptions } from "../../core/route-report.js";
import type { SessionClaimValidator } from "./claims/types.js";
import { getSessionRecipe } from "./recipe.js";
import type { SessionContainer, VerifySessionOptions } from "./types.js";

export interface ValidatorReport {
  id: string;
  /** The claim the validator reads (and may refetch), when it has one. */
  claimKey?: string;
  /** `global`: from the global list; `route`: added by the route's override. */
  source: "global" | "route";
}

export interface GuardReport {
  sessionRequired: boolean;
  checkDatabase: boolean;
  /** True when the route passes `overrideGlobalClaimValidators`. */
  overridesGlobalValidators: boolean;
  /** The validators a request must pass, in the order they run. */
  validators: ValidatorReport[];
  /** Ids of global validators this route drops. */
  removedGlobalValidators: string[];
  /** Set when the override threw for the stub session: then `validators` is empty and unknown. */
  error?: string;
}

export interface RoutePolicyReport {
  globalValidators: Omit<ValidatorReport, "source">[];
  /** Each method and path with at least one verifySession guard (several guards all apply). */
  guardedRoutes: { method: string; path: string; guards: GuardReport[] }[];
  unguardedRoutes: { method: string; path: string }[];
  /** Tessera's own endpoints, served by `middleware()`; each applies its recipe's session rules. */
  tesseraEndpoints: { method: string; path: string; recipeId: string }[];
}

// ---- reading an Express app (duck-typed: the report imports no framework) ----

interface LayerLike {
  route?: { path?: unknown; methods?: Record<string, boolean>; stack?: LayerLike[] };
  handle?: unknown;
  method?: string;
  rawPath?: unknown;
  regexp?: RegExp & { fast_slash?: boolean };
}

interface FoundRoute {
  method: string;
  path: string;
  guards: object[];
}

function stackOf(router: unknown): LayerLike[] | undefined {
  const stack = (router as { stack?: unknown } | undefined)?.stack;
  return Array.isArray(stack) ? (stack as LayerLike[]) : undefined;
}

/** Express 5 keeps the mount path (`rawPath`); Express 4 only a regular expression, read back when simple. */
function mountPathOf(layer: LayerLike): string {
  if (typeof layer.rawPath === "string") return layer.rawPath === "/" ? "" : layer.rawPath.replace(/\/+$/, "");
  if (layer.rawPath !== undefined) return String(layer.rawPath);
  if (layer.regexp?.fast_slash) return "";
  const source = layer.regexp?.source ?? "";
  const simple = /^\^((?:\\\/[\w.~-]+)*)\\\/\?\(\?=\\\/\|\$\)$/.exec(source);
  return simple?.[1] !== undefined ? simple[1].replace(/\\\//g, "/") : `<${source}>`;
}

function joinPath(prefix: string, path: unknown): string {
  const text = typeof path === "string" ? path : String(path);
  return `${prefix}${text.startsWith("/") || prefix === "" ? text : `/${text}`}` || "/";
}

function isUnder(path: string, mount: string): boolean {
  return mount === "" || path === mount || path.startsWith(`${mount}/`) || mount.startsWith("<");
}

function collectRoutes(stack: LayerLike[], prefix: string, inherited: { mount: string; options: object }[], out: FoundRoute[]): void {
  const guards = [...inherited];
  for (const layer of stack) {
    const route = layer.route;
    if (route) {
      const paths = Array.isArray(route.path) ? (route.path as unknown[]) : [route.path];
      const methods = Object.keys(route.methods ?? {}).filter((m) => route.methods?.[m]);
      for (const raw of paths) {
        const path = joinPath(prefix, raw);
        const above = guards.filter((g) => isUnder(path, g.mount)).map((g) => g.options);
        for (const method of methods) {
          const own = (route.stack ?? [])
            .filter((l) => l.method === undefined || l.method === method || l.method === "_all")
            .map((l) => readVerifySessionOptions(l.handle))
            .filter((o): o is object => o !== undefined);
          out.push({ method: method === "_all" ? "ALL" : method.toUpperCase(), path, guards: [...above, ...own] });
        }
      }
      continue;
    }
    const mount = prefix + mountPathOf(layer);
    const options = readVerifySessionOptions(layer.handle);
    if (options !== undefined) guards.push({ mount, options });
    const nested = stackOf(layer.handle) ?? stackOf((layer.handle as { router?: unknown } | undefined)?.router);
    if (nested) collectRoutes(nested, mount, guards, out);
  }
}

// ---- the validators of a guard ----

const STUB_ID = "<route-report>";

/** A session with no request behind it: ids and an empty payload; anything needing the database throws. */
function stubSession(): SessionContainer {
  const unavailable = (name: string) => () => {
    throw new Error(`session.${name}() is not available in the route report (it runs no request)`);
  };
  return {
    getUserId: () => STUB_ID,
    getRecipeUserId: () => STUB_ID,
    getTenantId: () => "public",
    getHandle: () => STUB_ID,
    getAccessToken: () => "",
    getAccessTokenPayload: () => ({}),
    getAllSessionTokensDangerously: unavailable("getAllSessionTokensDangerously"),
    revokeSession: unavailable("revokeSession"),
    getSessionDataFromDatabase: unavailable("getSessionDataFromDatabase"),
    updateSessionDataInDatabase: unavailable("updateSessionDataInDatabase"),
    getTimeCreated: unavailable("getTimeCreated"),
    getExpiry: unavailable("getExpiry"),
    mergeIntoAccessTokenPayload: unavailable("mergeIntoAccessTokenPayload"),
    assertClaims: unavailable("assertClaims"),
    fetchAndSetClaim: unavailable("fetchAndSetClaim"),
    setClaimValue: unavailable("setClaimValue"),
    getClaimValue: async () => undefined,
    removeClaim: unavailable("removeClaim"),
    attachToRequestResponse: unavailable("attachToRequestResponse"),
  };
}

const describeValidator = (v: SessionClaimValidator) => (v.claim ? { id: v.id, claimKey: v.claim.key } : { id: v.id });

async function describeGuard(options: VerifySessionOptions, global: readonly SessionClaimValidator[]): Promise<GuardReport> {
  const base = { sessionRequired: options.sessionRequired !== false, checkDatabase: options.checkDatabase === true };
  const override = options.overrideGlobalClaimValidators;
  if (override === undefined) {
    return { ...base, overridesGlobalValidators: false, validators: global.map((v) => ({ ...describeValidator(v), source: "global" })), removedGlobalValidators: [] };
  }
  try {
    const list = await override([...global], stubSession(), {});
    return {
      ...base,
      overridesGlobalValidators: true,
      // By identity: a route that rebuilds a global validator is shown as adding its own.
      validators: list.map((v) => ({ ...describeValidator(v), source: global.includes(v) ? "global" : "route" })),
      removedGlobalValidators: global.filter((v) => !list.includes(v)).map((v) => v.id),
    };
  } catch (error) {
    return { ...base, overridesGlobalValidators: true, validators: [], removedGlobalValidators: [], error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The route-policy report of an Express app whose tessera is initialised (call it after
 * `tessera.init` and after the routes are registered).
 */
export async function getRoutePolicyReport(app: unknown): Promise<RoutePolicyReport> {
  const recipe = getSessionRecipe();
  const global = await recipe.recipeImplementation.getGlobalClaimValidators({
    userId: STUB_ID,
    recipeUserId: STUB_ID,
    tenantId: "public",
    claimValidatorsAddedByOtherRecipes: [...recipe.state.claimValidatorsAddedByOtherRecipes],
    userContext: {},
  });
  const routerOf = app as { router?: unknown; _router?: unknown };
  const stack = stackOf(routerOf._router) ?? stackOf(routerOf.router);
  if (!stack) throw new TypeError("getRoutePolicyReport needs an Express app (or router) with its routes registered");
  const found: FoundRoute[] = [];
  collectRoutes(stack, "", [], found);
  const guardedRoutes: RoutePolicyReport["guardedRoutes"] = [];
  const unguardedRoutes: RoutePolicyReport["unguardedRoutes"] = [];
  for (const route of found) {
    if (route.guards.length === 0) unguardedRoutes.push({ method: route.method, path: route.path });
    else guardedRoutes.push({ method: route.method, path: route.path, guards: await Promise.all(route.guards.map((g) => describeGuard(g, global))) });
  }
  const { appInfo, recipes } = getInstance();
  const tesseraEndpoints = recipes.flatMap((r) => r.routes.map((route) => ({ method: route.method, path: `${appInfo.apiBasePath}${route.path}`, recipeId: r.id })));
  return { globalValidators: global.map(describeValidator), guardedRoutes, unguardedRoutes, tesseraEndpoints };
}

/** The report as text, one route per block, for a terminal or a review document. */
export function formatRoutePolicyReport(report: RoutePolicyReport): string {
  const ids = (list: { id: string }[]) => (list.length === 0 ? "(none)" : list.map((v) => v.id).join(", "));
  const lines = [`Global validators (applied by every verifySession unless a route overrides them): ${ids(report.globalValidators)}`, "", "Routes guarded by verifySession:"];
  if (report.guardedRoutes.length === 0) lines.push("  (none)");
  for (const route of report.guardedRoutes) {
    lines.push(`  ${route.method} ${route.path}`);
    for (const guard of route.guards) {
      const flags = [guard.sessionRequired ? "" : "session optional", guard.checkDatabase ? "checks database" : ""].filter(Boolean);
      const suffix = flags.length > 0 ? ` [${flags.join(", ")}]` : "";
      if (guard.error !== undefined) {
        lines.push(`    validators: unknown: the override threw for a stub session: ${guard.error}${suffix}`);
        continue;
      }
      const list = guard.validators.map((v) => `${v.id} (${v.source})`).join(", ") || "(none: claims not checked)";
      lines.push(`    validators: ${list}${suffix}`);
      if (guard.removedGlobalValidators.length > 0) lines.push(`    removes global: ${guard.removedGlobalValidators.join(", ")}`);
    }
  }
  lines.push("", "Routes without verifySession:");
  if (report.unguardedRoutes.length === 0) lines.push("  (none)");
  for (const route of report.unguardedRoutes) lines.push(`  ${route.method} ${route.path}`);
  lines.push("", "Tessera's endpoints (middleware(); each applies its recipe's own session rules):");
  for (const endpoint of report.tesseraEndpoints) lines.push(`  ${endpoint.method} ${endpoint.path} (${endpoint.recipeId})`);
  return `${lines.join("\n")}\n`;
}

// ---- the CLI ----

const USAGE = "usage: tessera-route-report <app module> [--export <name>] [--json]\n";

const looksLikeExpressApp = (value: unknown) => typeof value === "function" && typeof (value as { use?: unknown }).use === "function" && ("router" in value || "_router" in value);

/**
 * `tessera-route-report <module> [--export name] [--json]`: imports the app module (which calls
 * `tessera.init` and registers its routes) and prints its report. The app is the named export,
 * else `app` or the default export, else the last Express app the module started a server with.
 * `PORT` defaults to 0 while the module loads, so an app that listens takes a free port; the
 * caller exits the process afterwards. Returns the exit code.
 */
export async function runRouteReportCLI(args: readonly string[], io: { importModule(url: string): Promise<unknown>; write(text: string): void; cwd?: string }): Promise<number> {
  const modulePath = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--export");
  const exportIndex = args.indexOf("--export");
  const exportName = exportIndex >= 0 ? args[exportIndex + 1] : undefined;
  if (modulePath === undefined || (exportIndex >= 0 && exportName === undefined)) {
    io.write(USAGE);
    return 2;
  }
  process.env.PORT ??= "0";
  const started: unknown[] = [];
  const original = http.createServer;
  http.createServer = ((...parameters: unknown[]) => {
    started.push(parameters.find((p) => typeof p === "function"));
    return (original as (...a: unknown[]) => http.Server)(...parameters);
  }) as typeof http.createServer;
  let loaded: Record<string, unknown>;
  try {
    loaded = (await io.importModule(pathToFileURL(resolve(io.cwd ?? process.cwd(), modulePath)).href)) as Record<string, unknown>;
  } finally {
    http.createServer = original;
  }
  const candidates = exportName !== undefined ? [loaded[exportName]] : [loaded.app, loaded.default, ...started.reverse()];
  const app = candidates.find(looksLikeExpressApp);
  if (app === undefined) {
    io.write(`tessera-route-report: ${modulePath} exports no Express app${exportName ? ` named "${exportName}"` : ""} and started none\n`);
    return 1;
  }
  const report = await getRoutePolicyReport(app);
  io.write(args.includes("--json") ? `${JSON.stringify(report, null, 2)}\n` : formatRoutePolicyReport(report));
  return 0;
}

/**
 * One route table over every recipe's endpoints, and the one place where errors become HTTP
 * responses. Adapters call {@link handleAPIRequest} and {@link handleError} and forward the rest.
 */
import { BadInputError, StorageUnavailableError } from "./errors.js";
import type { HttpRequest, HttpResponse } from "./http.js";
import { getInstance } from "./instance.js";
import type { Route, UserContext } from "./recipe.js";

const TENANT_PREFIX = /^\/([a-zA-Z0-9-]+)(\/.*)$/;

function findRoute(requestMethod: string, path: string): { route: Route; tenantId: string } | undefined {
  const { appInfo, recipes, tenants } = getInstance();
  // HEAD is answered as GET (Node leaves the body out), so a HEAD never falls through to the app.
  const method = requestMethod === "HEAD" ? "GET" : requestMethod;
  const base = appInfo.apiBasePath;
  if (base !== "" && path !== base && !path.startsWith(`${base}/`)) return undefined;
  const rest = path.slice(base.length) || "/";
  const match = (p: string) => {
    for (const recipe of recipes) for (const route of recipe.routes) if (route.method === method && route.path === p) return route;
    return undefined;
  };
  // The exact path wins over a tenant-prefixed reading of the same path (protocol 4.0).
  const exact = match(rest);
  if (exact) return { route: exact, tenantId: "public" };
  // Only configured tenants: an unknown prefix is not a route, so nobody can open accounts in a made-up tenant.
  const tenant = TENANT_PREFIX.exec(rest);
  if (tenant?.[1] && tenant[2] && tenants.has(tenant[1])) {
    const route = match(tenant[2]);
    if (route) return { route, tenantId: tenant[1] };
  }
  return undefined;
}

/**
 * The userContext every framework entry point starts from: it carries the request for hooks that
 * need it, and on tessera's own endpoints the response too (MFA's trusted devices set a cookie
 * while the session's claims are computed at sign-in).
 */
export function makeDefaultUserContext(req: HttpRequest, res?: HttpResponse): UserContext {
  return { _default: res === undefined ? { request: req } : { request: req, response: res } };
}

/** Which of tessera's endpoints a request is for. */
export interface APIRequestMatch {
  readonly route: Route;
  readonly tenantId: string;
}

/**
 * The endpoint of tessera a request (upper-case method, path as {@link HttpRequest.path}) is for,
 * or undefined. Synchronous and touches nothing, so an adapter passes every other request on
 * without wrapping it or making a promise; {@link serveAPIRequest} then serves a match.
 */
export function matchAPIRequest(method: string, path: string): APIRequestMatch | undefined {
  return findRoute(method, path);
}

/** Serves a request {@link matchAPIRequest} matched. Errors of ours become responses; others are thrown. */
export async function serveAPIRequest(found: APIRequestMatch, req: HttpRequest, res: HttpResponse): Promise<void> {
  const userContext = makeDefaultUserContext(req, res);
  try {
    await found.route.handle({ req, res, tenantId: found.tenantId, userContext });
  } catch (error) {
    if (!(await handleError(error, req, res, userContext))) throw error;
  }
}

/**
 * Serves the request if it is one of tessera's endpoints. Returns false (and touches nothing)
 * when it is not, so the adapter passes it on. Errors of ours become responses; others are thrown.
 */
export async function handleAPIRequest(req: HttpRequest, res: HttpResponse): Promise<boolean> {
  const found = matchAPIRequest(req.method, req.path);
  if (!found) return false;
  await serveAPIRequest(found, req, res);
  return true;
}

/**
 * Writes the response for an error tessera owns: session errors (401/403, through the session
 * recipe), bad input (400), storage outage (503). Returns false for anything else, which the
 * adapter hands to the framework's own error path unchanged. Bodies never carry stacks.
 */
export async function handleError(error: unknown, req: HttpRequest, res: HttpResponse, userContext?: UserContext): Promise<boolean> {
  if (res.isSent()) return error instanceof BadInputError || error instanceof StorageUnavailableError || isOwnedByRecipe(error);
  const context = userContext ?? makeDefaultUserContext(req);
  for (const recipe of getInstance().recipes) {
    if (recipe.handleError && (await recipe.handleError({ error, req, res, userContext: context }))) return true;
  }
  if (error instanceof BadInputError) {
    res.setStatus(error.status);
    res.sendJSON({ message: error.message });
    return true;
  }
  if (error instanceof StorageUnavailableError) {
    res.setStatus(503);
    res.sendJSON({ message: "Service temporarily unavailable: the session store did not answer. Try again shortly." });
    return true;
  }
  return false;
}

function isOwnedByRecipe(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && typeof (error as { code: unknown }).code === "string" && String((error as { code: string }).code).startsWith("SESSION_");
}

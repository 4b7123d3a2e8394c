/**
 * The request-level session operations shared by every framework: find the tokens in a request,
 * apply the transfer-method and anti-CSRF rules, call the recipe functions, and write the result
 * to the response (protocol 1.5–1.8, 2.4).
 */
import { ConfigError, SessionError, TesseraError } from "../../core/errors.js";
import type { HttpRequest, HttpResponse } from "../../core/http.js";
import type { JSONObject, UserContext } from "./claims/types.js";
import { andThen, callNow, hasNow, type MaybePromise } from "../../core/maybe-promise.js";
import { resolveValidators } from "./claims/validate.js";
import { SessionContainerImpl } from "./container.js";
import type { SessionState } from "./state.js";
import { parseAccessToken } from "./tokens.js";
import {
  clearAllTokens,
  clearTokens,
  getAntiCsrfTokenFromRequest,
  getToken,
  hasCustomHeader,
  hasMultipleAccessTokenCookies,
  LEGACY_ID_REFRESH_COOKIE,
} from "./transport.js";
import type { RecipeInterface, SessionContainer, TokenTransferMethod, VerifySessionOptions } from "./types.js";

export interface RequestContext {
  state: SessionState;
  recipe: RecipeInterface;
}

/** Shaped like one of our tokens, by the same reading verification uses (canonical base64url, v5 structure). */
const isOurs = (token: string): boolean => parseAccessToken(token) !== undefined;

// The options getSession gets: the route's options with the anti-CSRF decision filled in. An app's
// own getSession gets a fresh object every request, as it always did (it may change it). The
// default one only reads it, so it gets one made once per route and decision instead of a spread
// per request (1.2 us a request in the profile), remade whenever a field it reads has changed
// since, so an app that changes its options object later is followed.
type Shared = { source: VerifySessionOptions; made: [VerifySessionOptions, VerifySessionOptions] };
const sharedOptions = new WeakMap<VerifySessionOptions, Shared>();
const NO_OPTIONS: [VerifySessionOptions, VerifySessionOptions] = [Object.freeze({ antiCsrfCheck: false }), Object.freeze({ antiCsrfCheck: true })];

// The fields the default getSession reads besides antiCsrfCheck, which is filled in per decision.
const changedSince = (source: VerifySessionOptions, options: VerifySessionOptions): boolean =>
  source.sessionRequired !== options.sessionRequired || source.checkDatabase !== options.checkDatabase;

function optionsForGetSession(getSession: RecipeInterface["getSession"], options: VerifySessionOptions | undefined | null, antiCsrfCheck: boolean): VerifySessionOptions {
  if (!hasNow(getSession)) return { ...options, antiCsrfCheck };
  if (options === undefined || options === null) return NO_OPTIONS[antiCsrfCheck ? 1 : 0];
  let shared = sharedOptions.get(options);
  if (shared === undefined || changedSince(shared.source, options)) {
    shared = { source: { ...options }, made: [Object.freeze({ ...options, antiCsrfCheck: false }), Object.freeze({ ...options, antiCsrfCheck: true })] };
    sharedOptions.set(options, shared);
  }
  return shared.made[antiCsrfCheck ? 1 : 0];
}

/**
 * verifySession / getSession: verify the token, run the claim validators, attach updates to the
 * response. Returns the session itself when nothing had to be waited for (see core/maybe-promise.ts).
 */
export function getSessionFromRequest(
  { state, recipe }: RequestContext,
  req: HttpRequest,
  res: HttpResponse,
  options: VerifySessionOptions | undefined,
  userContext: UserContext,
): MaybePromise<SessionContainer | undefined> {
  const { config } = state;
  if (req.getCookieValues(LEGACY_ID_REFRESH_COOKIE).length > 0) throw SessionError.tryRefresh("Legacy session cookie found; refresh to migrate");
  const allowed = config.getTokenTransferMethod({ req, forCreateNewSession: false, userContext });

  // A bearer token that is not one of ours belongs to the app: ignore it and fall back to the cookie (protocol 1.6).
  const headerToken = allowed !== "cookie" ? getToken(req, "access", "header") : undefined;
  const cookieToken = allowed !== "header" ? getToken(req, "access", "cookie") : undefined;
  let transferMethod: TokenTransferMethod | undefined;
  let accessToken: string | undefined;
  // isOurs decodes the token: needed only to choose between a bearer token and a cookie token.
  if (headerToken !== undefined && (cookieToken === undefined || isOurs(headerToken))) {
    transferMethod = "header";
    accessToken = headerToken;
  } else if (cookieToken !== undefined) {
    transferMethod = "cookie";
    accessToken = cookieToken;
    if (hasMultipleAccessTokenCookies(req)) throw SessionError.tryRefresh("The request carries several access-token cookies");
  }

  const doAntiCsrfCheck = transferMethod === "cookie" && (options?.antiCsrfCheck ?? req.method !== "GET");
  if (accessToken !== undefined && doAntiCsrfCheck && config.antiCsrf === "VIA_CUSTOM_HEADER" && !hasCustomHeader(req)) {
    throw SessionError.tryRefresh("anti-csrf check failed: the request has no rid header");
  }
  const found = callNow(recipe, recipe.getSession, {
    accessToken,
    antiCsrfToken: getAntiCsrfTokenFromRequest(req),
    options: optionsForGetSession(recipe.getSession, options, doAntiCsrfCheck),
    userContext,
  });
  return andThen(found, (session) => {
    if (session === undefined || transferMethod === undefined) return undefined;
    // Attached before the claims run, so a value they refetch reaches the client even when a claim then fails.
    session.attachToRequestResponse({ req, res, transferMethod }, userContext);
    return andThen(assertRequiredClaims({ state, recipe }, session, options, userContext), () => session);
  });
}

/** The global validators (recipes' plus the app's override), replaced by the route's override if any, asserted on the session (protocol 2.4). */
export function assertRequiredClaims(
  { state, recipe }: RequestContext,
  session: SessionContainer,
  options: VerifySessionOptions | undefined,
  userContext: UserContext,
): MaybePromise<void> {
  const global = recipe.getGlobalClaimValidators({
    userId: session.getUserId(),
    recipeUserId: session.getRecipeUserId(),
    tenantId: session.getTenantId(),
    claimValidatorsAddedByOtherRecipes: [...state.claimValidatorsAddedByOtherRecipes],
    userContext,
  });
  // Waited for only when they are promises: the default list and most overrides are synchronous.
  const validators = andThen(global, (list) => resolveValidators(list, options?.overrideGlobalClaimValidators, session, userContext));
  return andThen(validators, (list) => (session instanceof SessionContainerImpl ? session.assertClaimsNow(list, userContext) : session.assertClaims(list, userContext)));
}

/** POST {apiBasePath}/session/refresh (protocol 1.8). */
export async function refreshSessionInRequest(
  { state, recipe }: RequestContext,
  req: HttpRequest,
  res: HttpResponse,
  userContext: UserContext,
): Promise<SessionContainer> {
  const { config } = state;
  // Cookies from an older cookie domain shadow the current ones: clear those first, refresh on the next call (protocol 1.8).
  if (config.olderCookieDomain !== undefined && hasMultipleAccessTokenCookies(req)) {
    for (const [name, path] of [["sAccessToken", config.accessTokenPath], ["sRefreshToken", config.refreshTokenPath]] as const) {
      res.setCookie({ name, value: "", path, domain: config.olderCookieDomain, expires: 0, httpOnly: true, secure: config.cookieSecure, sameSite: config.cookieSameSite });
    }
    throw new SessionError({ type: "CLEAR_DUPLICATE_SESSION_COOKIES" }, "multiple session cookies");
  }
  const allowed = config.getTokenTransferMethod({ req, forCreateNewSession: false, userContext });
  const headerToken = allowed !== "cookie" ? getToken(req, "refresh", "header") : undefined;
  const cookieToken = allowed !== "header" ? getToken(req, "refresh", "cookie") : undefined;
  const transferMethod: TokenTransferMethod | undefined = headerToken !== undefined ? "header" : cookieToken !== undefined ? "cookie" : undefined;
  const refreshToken = headerToken ?? cookieToken;
  if (refreshToken === undefined || transferMethod === undefined) {
    if (req.getCookieValues("sAccessToken").length > 0) {
      res.setCookie({ name: LEGACY_ID_REFRESH_COOKIE, value: "", path: config.refreshTokenPath, domain: config.cookieDomain, expires: 0, httpOnly: true, secure: config.cookieSecure, sameSite: config.cookieSameSite });
    }
    throw SessionError.unauthorised("Refresh token not found. Are you sending the refresh token in the request?");
  }
  // No anti-CSRF proof: refuse, but leave the cookies alone so a cross-site request cannot sign the user out (SEC-24).
  if (transferMethod === "cookie" && config.antiCsrf === "VIA_CUSTOM_HEADER" && !hasCustomHeader(req)) {
    throw SessionError.unauthorised("anti-csrf check failed: the request has no rid header", false);
  }
  const session = await recipe.refreshSession({
    refreshToken,
    antiCsrfToken: getAntiCsrfTokenFromRequest(req),
    disableAntiCsrf: transferMethod === "header",
    userContext,
  });
  if (transferMethod === "header" && cookieToken !== undefined) clearTokens(config, res, "cookie");
  if (transferMethod === "cookie" && (getToken(req, "access", "header") !== undefined || headerToken !== undefined)) clearTokens(config, res, "header");
  try {
    session.attachToRequestResponse({ req, res, transferMethod }, userContext);
  } catch (error) {
    if (!isCookieTooLarge(error)) throw error;
    // The stored payload has grown past what a cookie holds (the app put too much in it), so this
    // session can never reach the browser again: every refresh would fail the same way. Sign the
    // client out cleanly instead (revoked, tokens cleared, 401) and say why in the log.
    await recipe.revokeSession({ sessionHandle: session.getHandle(), userContext });
    console.error(`[tessera] session ${session.getHandle()} revoked at refresh: ${error.message}`);
    throw SessionError.unauthorised(error.message);
  }
  return session;
}

/** Transport's refusal to set a token cookie that browsers would drop. */
function isCookieTooLarge(error: unknown): error is TesseraError {
  return error instanceof TesseraError && error.code === "COOKIE_TOO_LARGE";
}

/** createNewSession(req, res, ...): adds the claims other recipes registered, picks the transfer method, writes the tokens. */
export async function createNewSessionInRequest(
  { state, recipe }: RequestContext,
  input: { req: HttpRequest; res: HttpResponse; tenantId: string; recipeUserId: string; accessTokenPayload: JSONObject; sessionDataInDatabase: JSONObject; userContext: UserContext },
): Promise<SessionContainer> {
  const { config } = state;
  const { req, res, userContext } = input;
  const payload = await buildPayloadWithClaims(state, input.recipeUserId, input.tenantId, input.accessTokenPayload, userContext);
  const chosen = config.getTokenTransferMethod({ req, forCreateNewSession: true, userContext });
  const transferMethod: TokenTransferMethod = chosen === "any" ? (req.getHeader("st-auth-mode")?.toLowerCase() === "cookie" ? "cookie" : "header") : chosen;
  if (transferMethod === "cookie" && config.cookieSameSite === "none" && !config.cookieSecure && !config.allowInsecureSameSiteNone) {
    // Browsers drop SameSite=None cookies without Secure: the session would silently not stick (protocol 1.6).
    throw new ConfigError("Session: cookieSameSite is \"none\" but cookieSecure is false. Serve the API over https, or use the same site for API and website.");
  }
  const session = await recipe.createNewSession({
    userId: input.recipeUserId,
    recipeUserId: input.recipeUserId,
    tenantId: input.tenantId,
    accessTokenPayload: payload,
    sessionDataInDatabase: input.sessionDataInDatabase,
    disableAntiCsrf: transferMethod === "header",
    userContext,
  });
  // Tokens the request carried in the other method belong to an older session: clear them (protocol 1.7).
  const other: TokenTransferMethod = transferMethod === "cookie" ? "header" : "cookie";
  if (getToken(req, "access", other) !== undefined || getToken(req, "refresh", other) !== undefined) clearTokens(config, res, other);
  try {
    session.attachToRequestResponse({ req, res, transferMethod }, userContext);
  } catch (error) {
    // Its tokens cannot be delivered: the session must not stay behind in storage.
    if (isCookieTooLarge(error)) await recipe.revokeSession({ sessionHandle: session.getHandle(), userContext });
    throw error;
  }
  return session;
}

/** The payload of a new session: the app's payload plus every claim other recipes add (protocol 2.4). */
export async function buildPayloadWithClaims(state: SessionState, recipeUserId: string, tenantId: string, accessTokenPayload: JSONObject, userContext: UserContext): Promise<JSONObject> {
  let payload: JSONObject = { ...accessTokenPayload, iss: state.config.issuer };
  for (const claim of state.claimsAddedByOtherRecipes) {
    payload = { ...payload, ...(await claim.build(recipeUserId, recipeUserId, tenantId, payload, userContext)) };
  }
  return payload;
}

export { clearAllTokens };

/**
 * `tessera/recipe/session`: sessions, their tokens and claims.
 *
 * @example
 * import Session from "tessera/recipe/session";
 * tessera.init({ appInfo, recipeList: [Session.init({ override: { functions: (oI) => ({ ...oI }) } })] });
 * // in a handler
 * const session = await Session.createNewSession(req, res, "public", userId);
 */
import { SessionError } from "../../core/errors.js";
import { toNeutral } from "../../core/http.js";
import { getInstance } from "../../core/instance.js";
import { callNow, type MaybePromise } from "../../core/maybe-promise.js";
import type { RecipeFactory } from "../../core/recipe.js";
import type { JSONObject, SessionClaim, SessionClaimValidator, UserContext } from "./claims/types.js";
import { getSessionRecipe, sessionRecipeFactory } from "./recipe.js";
import { assertRequiredClaims, buildPayloadWithClaims, createNewSessionInRequest, getSessionFromRequest, refreshSessionInRequest } from "./request.js";
import type { SessionConfig, SessionContainer, SessionInformation, VerifySessionOptions } from "./types.js";

/** For recipes whose endpoints need a session but not its claims (TOTP, recovery codes): see session-route.ts. */
export { FACTOR_ROUTE_SESSION, sessionRouteBuilder, type SessionRouteBase } from "./session-route.js";

export type {
  APIInterface,
  APIOptions,
  AntiCsrfMode,
  ErrorHandlers,
  RecipeInterface,
  SessionConfig,
  SessionContainer,
  SessionInformation,
  SessionTokens,
  TokenInfo,
  TokenTransferMethod,
  VerifySessionOptions,
} from "./types.js";
export type { JSONObject, SessionClaim, SessionClaimValidator, UserContext } from "./claims/types.js";
export { SessionError as Error };

const impl = () => getSessionRecipe().recipeImplementation;
const neutral = (req: unknown, res: unknown) => toNeutral(getInstance().framework, req, res);

/** Builds the session recipe for `recipeList`. */
export function init(config?: SessionConfig): RecipeFactory {
  return sessionRecipeFactory(config);
}

/** Creates a session after sign-in and writes its tokens to `res` (cookie or header mode, protocol 1.7). */
export async function createNewSession(
  req: unknown,
  res: unknown,
  tenantId: string,
  recipeUserId: string,
  accessTokenPayload: JSONObject = {},
  sessionDataInDatabase: JSONObject = {},
  userContext: UserContext = {},
): Promise<SessionContainer> {
  const pair = neutral(req, res);
  return createNewSessionInRequest(getSessionRecipe().context, { ...pair, tenantId, recipeUserId, accessTokenPayload, sessionDataInDatabase, userContext });
}

/** Creates a session without a request: the caller delivers the tokens (`getAllSessionTokensDangerously`). */
export async function createNewSessionWithoutRequestResponse(
  tenantId: string,
  recipeUserId: string,
  accessTokenPayload: JSONObject = {},
  sessionDataInDatabase: JSONObject = {},
  disableAntiCsrf = false,
  userContext: UserContext = {},
): Promise<SessionContainer> {
  const recipe = getSessionRecipe();
  const payload = await buildPayloadWithClaims(recipe.state, recipeUserId, tenantId, accessTokenPayload, userContext);
  return impl().createNewSession({ userId: recipeUserId, recipeUserId, tenantId, accessTokenPayload: payload, sessionDataInDatabase, disableAntiCsrf, userContext });
}

/** Verifies the request's session and its claims; throws a session error (401/403) the framework's error handler answers. */
export async function getSession(req: unknown, res: unknown, options?: VerifySessionOptions, userContext: UserContext = {}): Promise<SessionContainer | undefined> {
  const pair = neutral(req, res);
  return getSessionFromRequest(getSessionRecipe().context, pair.req, pair.res, options, userContext);
}

/** Verifies an access token and asserts the claims; nothing is written anywhere. */
export async function getSessionWithoutRequestResponse(
  accessToken: string,
  antiCsrfToken?: string,
  options?: VerifySessionOptions,
  userContext: UserContext = {},
): Promise<SessionContainer | undefined> {
  const recipe = getSessionRecipe();
  if (options?.antiCsrfCheck !== false && recipe.state.config.antiCsrf === "VIA_CUSTOM_HEADER") {
    throw new globalThis.Error("getSessionWithoutRequestResponse cannot check a custom anti-CSRF header: pass { antiCsrfCheck: false } and check it yourself");
  }
  const functions = recipe.recipeImplementation;
  const session = await callNow(functions, functions.getSession, { accessToken, antiCsrfToken, options, userContext });
  if (!session) return undefined;
  await assertRequiredClaims(recipe.context, session, options, userContext);
  return session;
}

export async function refreshSession(req: unknown, res: unknown, userContext: UserContext = {}): Promise<SessionContainer> {
  const pair = neutral(req, res);
  return refreshSessionInRequest(getSessionRecipe().context, pair.req, pair.res, userContext);
}

export async function refreshSessionWithoutRequestResponse(refreshToken: string, disableAntiCsrf = false, antiCsrfToken?: string, userContext: UserContext = {}): Promise<SessionContainer> {
  return impl().refreshSession({ refreshToken, antiCsrfToken, disableAntiCsrf, userContext });
}

export async function revokeSession(sessionHandle: string, userContext: UserContext = {}): Promise<boolean> {
  return impl().revokeSession({ sessionHandle, userContext });
}

/** Revokes every session of the user: in one tenant, or in all when `tenantId` is undefined. */
export async function revokeAllSessionsForUser(userId: string, _revokeSessionsForLinkedAccounts = true, tenantId?: string, userContext: UserContext = {}): Promise<string[]> {
  return impl().revokeAllSessionsForUser({ userId, tenantId, revokeAcrossAllTenants: tenantId === undefined, userContext });
}

export async function getAllSessionHandlesForUser(userId: string, _fetchSessionsForAllLinkedAccounts = true, tenantId?: string, userContext: UserContext = {}): Promise<string[]> {
  return impl().getAllSessionHandlesForUser({ userId, tenantId, fetchAcrossAllTenants: tenantId === undefined, userContext });
}

export async function revokeMultipleSessions(sessionHandles: string[], userContext: UserContext = {}): Promise<string[]> {
  return impl().revokeMultipleSessions({ sessionHandles, userContext });
}

export async function getSessionInformation(sessionHandle: string, userContext: UserContext = {}): Promise<SessionInformation | undefined> {
  return impl().getSessionInformation({ sessionHandle, userContext });
}

export async function updateSessionDataInDatabase(sessionHandle: string, newSessionData: JSONObject, userContext: UserContext = {}): Promise<boolean> {
  return impl().updateSessionDataInDatabase({ sessionHandle, newSessionData, userContext });
}

/** Updates the stored payload by handle; the client sees it after its next refresh. */
export async function mergeIntoAccessTokenPayload(sessionHandle: string, accessTokenPayloadUpdate: JSONObject, userContext: UserContext = {}): Promise<boolean> {
  return impl().mergeIntoAccessTokenPayload({ sessionHandle, accessTokenPayloadUpdate, userContext });
}

export async function fetchAndSetClaim(sessionHandle: string, claim: SessionClaim<unknown>, userContext: UserContext = {}): Promise<boolean> {
  return impl().fetchAndSetClaim({ sessionHandle, claim, userContext });
}

/** Sets a claim by handle (offline); the client sees it after its next refresh. */
export async function setClaimValue<T>(sessionHandle: string, claim: SessionClaim<T>, value: T, userContext: UserContext = {}): Promise<boolean> {
  return impl().setClaimValue({ sessionHandle, claim, value, userContext });
}

export async function getClaimValue<T>(sessionHandle: string, claim: SessionClaim<T>, userContext: UserContext = {}) {
  return impl().getClaimValue({ sessionHandle, claim, userContext });
}

export async function removeClaim(sessionHandle: string, claim: SessionClaim<unknown>, userContext: UserContext = {}): Promise<boolean> {
  return impl().removeClaim({ sessionHandle, claim, userContext });
}

/** Runs the global validators (or the override's list) against the stored payload; refetched values are written back. */
export async function validateClaimsForSessionHandle(
  sessionHandle: string,
  overrideGlobalClaimValidators?: (globalClaimValidators: SessionClaimValidator[], sessionInfo: SessionInformation, userContext: UserContext) => Promise<SessionClaimValidator[]> | SessionClaimValidator[],
  userContext: UserContext = {},
) {
  const recipe = getSessionRecipe();
  const info = await impl().getSessionInformation({ sessionHandle, userContext });
  if (!info) return { status: "SESSION_DOES_NOT_EXIST_ERROR" as const };
  const global = await impl().getGlobalClaimValidators({
    userId: info.userId,
    recipeUserId: info.recipeUserId,
    tenantId: info.tenantId,
    claimValidatorsAddedByOtherRecipes: [...recipe.state.claimValidatorsAddedByOtherRecipes],
    userContext,
  });
  const validators = overrideGlobalClaimValidators ? await overrideGlobalClaimValidators(global, info, userContext) : global;
  const result = await impl().validateClaims({
    userId: info.userId,
    recipeUserId: info.recipeUserId,
    tenantId: info.tenantId,
    accessTokenPayload: info.customClaimsInAccessTokenPayload,
    claimValidators: validators,
    userContext,
  });
  if (result.accessTokenPayloadUpdate !== undefined) {
    await impl().mergeIntoAccessTokenPayload({ sessionHandle, accessTokenPayloadUpdate: result.accessTokenPayloadUpdate, userContext });
  }
  return { status: "OK" as const, invalidClaims: result.invalidClaims };
}

/**
 * The framework adapters' entry point for `verifySession(options)`: OPTIONS passes with no session,
 * a POST to the refresh path refreshes, anything else verifies. Apps use the adapter's verifySession.
 */
export async function verifySessionInRequest(req: unknown, res: unknown, options: VerifySessionOptions | undefined, userContext: UserContext): Promise<SessionContainer | undefined> {
  return verifySessionInRequestNow(req, res, options, userContext);
}

/**
 * {@link verifySessionInRequest} for adapters that can take either: while the API's verifySession
 * is not overridden, a verify that needs no I/O answers with the session itself, not a promise,
 * and throws its errors (see core/maybe-promise.ts). `await` it, or handle both.
 */
export function verifySessionInRequestNow(req: unknown, res: unknown, options: VerifySessionOptions | undefined, userContext: UserContext): MaybePromise<SessionContainer | undefined> {
  const recipe = getSessionRecipe();
  const pair = neutral(req, res);
  const api = recipe.apiImplementation;
  return callNow(api, api.verifySession, {
    verifySessionOptions: options,
    options: { config: recipe.state.config, recipeImplementation: recipe.recipeImplementation, req: pair.req, res: pair.res },
    userContext,
  });
}

const Session = {
  init,
  createNewSession,
  createNewSessionWithoutRequestResponse,
  getSession,
  getSessionWithoutRequestResponse,
  refreshSession,
  refreshSessionWithoutRequestResponse,
  revokeSession,
  revokeAllSessionsForUser,
  getAllSessionHandlesForUser,
  revokeMultipleSessions,
  getSessionInformation,
  updateSessionDataInDatabase,
  mergeIntoAccessTokenPayload,
  fetchAndSetClaim,
  setClaimValue,
  getClaimValue,
  removeClaim,
  validateClaimsForSessionHandle,
  Error: SessionError,
};

export default Session;

/** For recipes: adds a claim that every new session gets (e.g. email verification's `st-ev`). */
export function addClaimFromOtherRecipe(claim: SessionClaim<unknown>): void {
  getSessionRecipe().addClaimFromOtherRecipe(claim);
}

/** For recipes: adds a validator to the global list every verifySession starts from (e.g. MFA's `st-mfa`). */
export function addClaimValidatorFromOtherRecipe(validator: SessionClaimValidator): void {
  getSessionRecipe().addClaimValidatorFromOtherRecipe(validator);
}

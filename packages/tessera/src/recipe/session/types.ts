/** Types of the session recipe, declared once here and imported everywhere else. */
import type { ClaimValidationError } from "../../core/errors.js";
import type { HttpRequest, HttpResponse } from "../../core/http.js";
import type { JSONObject, SessionClaim, SessionClaimValidator, UserContext } from "./claims/types.js";
import type { RecipeOverride } from "../../core/override.js";

export type { JSONObject, SessionClaim, SessionClaimValidator, UserContext } from "./claims/types.js";

export type TokenTransferMethod = "header" | "cookie";
export type AntiCsrfMode = "VIA_TOKEN" | "VIA_CUSTOM_HEADER" | "NONE";
export type CookieSameSite = "strict" | "lax" | "none";

export interface ErrorHandlers {
  onUnauthorised?(message: string, request: HttpRequest, response: HttpResponse, userContext: UserContext): Promise<void> | void;
  onTryRefreshToken?(message: string, request: HttpRequest, response: HttpResponse, userContext: UserContext): Promise<void> | void;
  onTokenTheftDetected?(
    sessionHandle: string,
    userId: string,
    recipeUserId: string,
    request: HttpRequest,
    response: HttpResponse,
    userContext: UserContext,
  ): Promise<void> | void;
  onInvalidClaim?(validationErrors: ClaimValidationError[], request: HttpRequest, response: HttpResponse, userContext: UserContext): Promise<void> | void;
}

/** `Session.init(config)`: every field is optional. Times are in seconds. */
export interface SessionConfig {
  cookieSecure?: boolean;
  cookieSameSite?: CookieSameSite;
  cookieDomain?: string;
  olderCookieDomain?: string;
  accessTokenPath?: string;
  sessionExpiredStatusCode?: number;
  invalidClaimStatusCode?: number;
  /** How state-changing requests prove they come from the website (default: VIA_CUSTOM_HEADER when SameSite is none, else NONE). */
  antiCsrf?: AntiCsrfMode;
  getTokenTransferMethod?(input: { req: HttpRequest; forCreateNewSession: boolean; userContext: UserContext }): TokenTransferMethod | "any";
  exposeAccessTokenToFrontendInCookieBasedAuth?: boolean;
  useDynamicAccessTokenSigningKey?: boolean;
  /** Access-token lifetime (default 3600 s). A revoked session's access token is accepted until then unless `checkDatabase` is used. */
  accessTokenValidity?: number;
  /** Inactivity limit: the session expires this long after its last refresh (default 100 days). */
  refreshTokenValidity?: number;
  /** Absolute limit: no refresh extends a session past this age (default: none; NIST AAL2 asks for 12 h). */
  sessionMaxLifetime?: number;
  /** How long a sibling refresh token from a concurrent refresh is still accepted (default 10 s). */
  refreshGracePeriod?: number;
  /** How often a new signing key is made (default 7 days). */
  signingKeyRotationInterval?: number;
  /** Accepted clock difference for `iat`/`nbf` in the future, between instances (default 30 s). Never applied to `exp`. */
  clockSkewLeeway?: number;
  /** How many verified access tokens to remember, so a repeated token skips the signature check (default 10000; 0 turns it off). */
  verifiedTokenCacheSize?: number;
  errorHandlers?: ErrorHandlers;
  override?: RecipeOverride<RecipeInterface, APIInterface>;
}

export interface NormalisedSessionConfig {
  cookieSecure: boolean;
  cookieSameSite: CookieSameSite;
  cookieDomain: string | undefined;
  olderCookieDomain: string | undefined;
  accessTokenPath: string;
  refreshTokenPath: string;
  sessionExpiredStatusCode: number;
  invalidClaimStatusCode: number;
  antiCsrf: AntiCsrfMode;
  getTokenTransferMethod: NonNullable<SessionConfig["getTokenTransferMethod"]>;
  exposeAccessTokenToFrontendInCookieBasedAuth: boolean;
  useDynamicAccessTokenSigningKey: boolean;
  accessTokenValidityMs: number;
  refreshTokenValidityMs: number;
  sessionMaxLifetimeMs: number | undefined;
  refreshGracePeriodMs: number;
  signingKeyRotationIntervalMs: number;
  clockSkewLeewayMs: number;
  issuer: string;
  /** True when API and website are both localhost or IPs: SameSite=None without Secure is then allowed (development). */
  allowInsecureSameSiteNone: boolean;
  verifiedTokenCacheSize: number;
}

export interface VerifySessionOptions {
  sessionRequired?: boolean;
  antiCsrfCheck?: boolean;
  checkDatabase?: boolean;
  overrideGlobalClaimValidators?: (
    globalClaimValidators: SessionClaimValidator[],
    session: SessionContainer,
    userContext: UserContext,
  ) => Promise<SessionClaimValidator[]> | SessionClaimValidator[];
}

export interface SessionInformation {
  sessionHandle: string;
  userId: string;
  recipeUserId: string;
  sessionDataInDatabase: JSONObject;
  expiry: number;
  customClaimsInAccessTokenPayload: JSONObject;
  timeCreated: number;
  tenantId: string;
}

export interface TokenInfo {
  token: string;
  expiry: number;
  createdTime: number;
}

export interface SessionTokens {
  accessToken: string;
  refreshToken: string | undefined;
  antiCsrfToken: string | undefined;
  frontToken: string;
  accessAndFrontTokenUpdated: boolean;
}

/** A session as the app sees it, from `verifySession`, `getSession` or `createNewSession`. */
export interface SessionContainer {
  getUserId(userContext?: UserContext): string;
  getRecipeUserId(userContext?: UserContext): string;
  getTenantId(userContext?: UserContext): string;
  getHandle(userContext?: UserContext): string;
  getAccessToken(userContext?: UserContext): string;
  getAccessTokenPayload(userContext?: UserContext): JSONObject;
  getAllSessionTokensDangerously(): SessionTokens;
  revokeSession(userContext?: UserContext): Promise<void>;
  getSessionDataFromDatabase(userContext?: UserContext): Promise<JSONObject>;
  updateSessionDataInDatabase(newSessionData: JSONObject, userContext?: UserContext): Promise<void>;
  getTimeCreated(userContext?: UserContext): Promise<number>;
  getExpiry(userContext?: UserContext): Promise<number>;
  mergeIntoAccessTokenPayload(accessTokenPayloadUpdate: JSONObject, userContext?: UserContext): Promise<void>;
  assertClaims(claimValidators: SessionClaimValidator[], userContext?: UserContext): Promise<void>;
  fetchAndSetClaim<T>(claim: SessionClaim<T>, userContext?: UserContext): Promise<void>;
  setClaimValue<T>(claim: SessionClaim<T>, value: T, userContext?: UserContext): Promise<void>;
  getClaimValue<T>(claim: SessionClaim<T>, userContext?: UserContext): Promise<T | undefined>;
  removeClaim(claim: SessionClaim<unknown>, userContext?: UserContext): Promise<void>;
  attachToRequestResponse(input: { req: HttpRequest; res: HttpResponse; transferMethod: TokenTransferMethod }, userContext?: UserContext): void;
}

/** The overridable business functions of the session recipe (no HTTP). */
export interface RecipeInterface {
  createNewSession(input: {
    userId: string;
    recipeUserId: string;
    tenantId: string;
    accessTokenPayload: JSONObject;
    sessionDataInDatabase: JSONObject;
    disableAntiCsrf: boolean;
    userContext: UserContext;
  }): Promise<SessionContainer>;
  getGlobalClaimValidators(input: {
    userId: string;
    recipeUserId: string;
    tenantId: string;
    claimValidatorsAddedByOtherRecipes: SessionClaimValidator[];
    userContext: UserContext;
  }): Promise<SessionClaimValidator[]> | SessionClaimValidator[];
  getSession(input: {
    accessToken: string | undefined;
    antiCsrfToken: string | undefined;
    options?: VerifySessionOptions;
    userContext: UserContext;
  }): Promise<SessionContainer | undefined>;
  validateClaims(input: {
    userId: string;
    recipeUserId: string;
    tenantId: string;
    accessTokenPayload: JSONObject;
    claimValidators: SessionClaimValidator[];
    userContext: UserContext;
  }): Promise<{ invalidClaims: ClaimValidationError[]; accessTokenPayloadUpdate?: JSONObject }>;
  refreshSession(input: { refreshToken: string; antiCsrfToken: string | undefined; disableAntiCsrf: boolean; userContext: UserContext }): Promise<SessionContainer>;
  revokeSession(input: { sessionHandle: string; userContext: UserContext }): Promise<boolean>;
  revokeAllSessionsForUser(input: { userId: string; tenantId: string | undefined; revokeAcrossAllTenants: boolean; userContext: UserContext }): Promise<string[]>;
  getAllSessionHandlesForUser(input: { userId: string; tenantId: string | undefined; fetchAcrossAllTenants: boolean; userContext: UserContext }): Promise<string[]>;
  revokeMultipleSessions(input: { sessionHandles: string[]; userContext: UserContext }): Promise<string[]>;
  getSessionInformation(input: { sessionHandle: string; userContext: UserContext }): Promise<SessionInformation | undefined>;
  updateSessionDataInDatabase(input: { sessionHandle: string; newSessionData: JSONObject; userContext: UserContext }): Promise<boolean>;
  mergeIntoAccessTokenPayload(input: { sessionHandle: string; accessTokenPayloadUpdate: JSONObject; userContext: UserContext }): Promise<boolean>;
  /**
   * Signs a replacement for `accessToken` carrying `newAccessTokenPayload` (same expiry), and merges
   * `storedPayloadUpdate` into the stored payload (default: the keys that differ from the old
   * token's). Undefined when the token expired meanwhile; throws unauthorised when the session is gone.
   */
  regenerateAccessToken(input: {
    accessToken: string;
    newAccessTokenPayload: JSONObject;
    storedPayloadUpdate?: JSONObject;
    userContext: UserContext;
  }): Promise<{ accessToken: TokenInfo; payload: JSONObject } | undefined>;
  fetchAndSetClaim(input: { sessionHandle: string; claim: SessionClaim<unknown>; userContext: UserContext }): Promise<boolean>;
  setClaimValue<T>(input: { sessionHandle: string; claim: SessionClaim<T>; value: T; userContext: UserContext }): Promise<boolean>;
  getClaimValue<T>(input: { sessionHandle: string; claim: SessionClaim<T>; userContext: UserContext }): Promise<{ status: "OK"; value: T | undefined } | { status: "SESSION_DOES_NOT_EXIST_ERROR" }>;
  removeClaim(input: { sessionHandle: string; claim: SessionClaim<unknown>; userContext: UserContext }): Promise<boolean>;
}

/** The overridable HTTP endpoints of the session recipe. `undefined` switches an endpoint off. */
export interface APIInterface {
  refreshPOST: undefined | ((input: { options: APIOptions; userContext: UserContext }) => Promise<SessionContainer>);
  signOutPOST: undefined | ((input: { options: APIOptions; session: SessionContainer; userContext: UserContext }) => Promise<{ status: "OK" }>);
  verifySession(input: { verifySessionOptions: VerifySessionOptions | undefined; options: APIOptions; userContext: UserContext }): Promise<SessionContainer | undefined>;
}

export interface APIOptions {
  config: NormalisedSessionConfig;
  recipeImplementation: RecipeInterface;
  req: HttpRequest;
  res: HttpResponse;
}

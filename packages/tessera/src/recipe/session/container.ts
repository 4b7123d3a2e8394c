/**
 * The session object an app holds: identity, the current access-token payload, and the claim and
 * payload methods of protocol 2.5. When it is attached to a response, every change writes the new
 * access token and front-token there, in the transfer method the request used.
 */
import { SessionError } from "../../core/errors.js";
import type { HttpRequest, HttpResponse } from "../../core/http.js";
import type { JSONObject, SessionClaim, SessionClaimValidator, UserContext } from "./claims/types.js";
import { andThen, callNow, hasNow, isPromiseLike, type MaybePromise } from "../../core/maybe-promise.js";
import { copyJSON } from "./verified-cache.js";
import { buildFrontToken, mergePayload, payloadDelta, PROTECTED_PROPS, stripProtectedProps } from "./tokens.js";
import type { ClaimValidationError } from "../../core/errors.js";
import { clearTokens, setAccessTokenInResponse, setAntiCsrfTokenInResponse, setToken } from "./transport.js";
import type { NormalisedSessionConfig, RecipeInterface, SessionContainer, SessionTokens, TokenTransferMethod } from "./types.js";

export interface SessionContainerInit {
  recipe: () => RecipeInterface;
  config: NormalisedSessionConfig;
  sessionHandle: string;
  userId: string;
  recipeUserId: string;
  tenantId: string;
  accessToken: string;
  accessTokenPayload: JSONObject;
  accessTokenExpiry: number;
  refreshToken: string | undefined;
  antiCsrfToken: string | undefined;
  accessTokenUpdated: boolean;
  /** True when `accessTokenPayload` is the verified-token cache's frozen payload, shared with other requests. */
  payloadShared?: boolean;
}

export class SessionContainerImpl implements SessionContainer {
  private accessToken: string;
  /** The current payload; while `payloadShared`, it is the verified-token cache's frozen copy. */
  private payload: JSONObject;
  private payloadShared: boolean;
  private expiry: number;
  private updated: boolean;
  private attached: { res: HttpResponse; transferMethod: TokenTransferMethod } | undefined;
  /** Set when a refresh issued a new refresh token: when it expires. */
  refreshTokenExpiry: number | undefined;

  // Methods on the prototype, not arrow-function fields: a session is made on every verified
  // request, and fields would allocate a closure per method per request. As in supertokens-node,
  // the methods are called on the session (`session.getUserId()`), not detached.
  constructor(private readonly init: SessionContainerInit) {
    this.accessToken = init.accessToken;
    this.payload = init.accessTokenPayload;
    this.payloadShared = init.payloadShared === true;
    this.expiry = init.accessTokenExpiry;
    this.updated = init.accessTokenUpdated;
  }

  getUserId(): string {
    return this.init.userId;
  }

  getRecipeUserId(): string {
    return this.init.recipeUserId;
  }

  getTenantId(): string {
    return this.init.tenantId;
  }

  getHandle(): string {
    return this.init.sessionHandle;
  }

  getAccessToken(): string {
    return this.accessToken;
  }

  /**
   * The payload, the session's own: a cache hit shares a frozen payload with other requests, and
   * the copy the app may change is made here, the first time it is asked for (most routes never do).
   */
  getAccessTokenPayload(): JSONObject {
    if (this.payloadShared) {
      this.payload = copyJSON(this.payload);
      this.payloadShared = false;
    }
    return this.payload;
  }

  getAllSessionTokensDangerously(): SessionTokens {
    return {
      accessToken: this.accessToken,
      refreshToken: this.init.refreshToken,
      antiCsrfToken: this.init.antiCsrfToken,
      frontToken: this.frontToken(),
      accessAndFrontTokenUpdated: this.updated,
    };
  }

  async revokeSession(userContext: UserContext = {}): Promise<void> {
    await this.init.recipe().revokeSession({ sessionHandle: this.init.sessionHandle, userContext });
    // Cleared even when storage no longer had the session: the client must end up signed out.
    if (this.attached) clearTokens(this.init.config, this.attached.res, this.attached.transferMethod);
  }

  async getSessionDataFromDatabase(userContext: UserContext = {}): Promise<JSONObject> {
    return (await this.information(userContext)).sessionDataInDatabase;
  }

  async updateSessionDataInDatabase(newSessionData: JSONObject, userContext: UserContext = {}): Promise<void> {
    const ok = await this.init.recipe().updateSessionDataInDatabase({ sessionHandle: this.init.sessionHandle, newSessionData, userContext });
    if (!ok) throw SessionError.unauthorised("Session does not exist anymore");
  }

  async getTimeCreated(userContext: UserContext = {}): Promise<number> {
    return (await this.information(userContext)).timeCreated;
  }

  async getExpiry(userContext: UserContext = {}): Promise<number> {
    return (await this.information(userContext)).expiry;
  }

  async mergeIntoAccessTokenPayload(accessTokenPayloadUpdate: JSONObject, userContext: UserContext = {}): Promise<void> {
    await this.replacePayload(mergePayload(this.payload, accessTokenPayloadUpdate), accessTokenPayloadUpdate, userContext);
  }

  /**
   * Validates against this token's own payload, refetching what the validators ask for (protocol
   * 2.3). A refetched value goes into the new token; it is written to storage only for keys whose
   * stored value is still the one this token carries. So a claim changed by handle since this token
   * was issued is neither overwritten (no lost update) nor granted to this older token: the client
   * sees it after its next refresh. And a first-factor token stays refused after the session
   * completes its second factor elsewhere. Validators get the payload read-only (on a cache hit it
   * is frozen).
   */
  async assertClaims(claimValidators: SessionClaimValidator[], userContext: UserContext = {}): Promise<void> {
    return this.assertClaimsNow(claimValidators, userContext);
  }

  /**
   * {@link assertClaims}, without a promise when nothing is refetched and the validators and the
   * recipe's validateClaims answer at once: the verify path of every request.
   */
  assertClaimsNow(claimValidators: SessionClaimValidator[], userContext: UserContext): MaybePromise<void> {
    const refetch = this.needsRefetch(claimValidators, this.payload, userContext);
    if (refetch !== false) return this.assertClaimsAfterRefetch(refetch, claimValidators, userContext);
    return andThen(this.validate(claimValidators, userContext), (result) => this.applyValidation(result, undefined, userContext));
  }

  private async assertClaimsAfterRefetch(refetch: true | Promise<boolean>, claimValidators: SessionClaimValidator[], userContext: UserContext): Promise<void> {
    // What storage holds now, for the keys a refetch may write back (see assertClaims).
    const stored = (await refetch) ? (await this.information(userContext)).customClaimsInAccessTokenPayload : undefined;
    await this.applyValidation(await this.validate(claimValidators, userContext), stored, userContext);
  }

  private validate(claimValidators: SessionClaimValidator[], userContext: UserContext) {
    const recipe = this.init.recipe();
    return callNow(recipe, recipe.validateClaims, {
      userId: this.init.userId,
      recipeUserId: this.init.recipeUserId,
      tenantId: this.init.tenantId,
      // An app's own validateClaims gets the session's own copy, free to change.
      accessTokenPayload: hasNow(recipe.validateClaims) ? this.payload : this.getAccessTokenPayload(),
      claimValidators,
      userContext,
    });
  }

  private applyValidation(result: { invalidClaims: ClaimValidationError[]; accessTokenPayloadUpdate?: JSONObject }, stored: JSONObject | undefined, userContext: UserContext): MaybePromise<void> {
    if (result.accessTokenPayloadUpdate !== undefined) return this.applyRefetched(result, stored, userContext);
    if (result.invalidClaims.length > 0) throw SessionError.invalidClaims(withoutDuplicates(result.invalidClaims));
  }

  private async applyRefetched(result: { invalidClaims: ClaimValidationError[]; accessTokenPayloadUpdate?: JSONObject }, stored: JSONObject | undefined, userContext: UserContext): Promise<void> {
    const current = stripProtectedProps(this.payload);
    const next = stripProtectedProps(result.accessTokenPayloadUpdate ?? {});
    const changed = payloadDelta(current, next);
    if (Object.keys(changed).length > 0) {
      const storedUpdate: JSONObject = {};
      for (const [key, value] of Object.entries(changed)) {
        if (stored === undefined || JSON.stringify(stored[key]) === JSON.stringify(current[key])) storedUpdate[key] = value;
      }
      await this.replacePayload(next, storedUpdate, userContext);
    }
    if (result.invalidClaims.length > 0) throw SessionError.invalidClaims(withoutDuplicates(result.invalidClaims));
  }

  private async replacePayload(newPayload: JSONObject, storedPayloadUpdate: JSONObject, userContext: UserContext): Promise<void> {
    // The new payload is a shallow merge over the old one: while that was shared, so are its
    // nested values, and payloadShared stays as it is.
    const result = await this.init.recipe().regenerateAccessToken({ accessToken: this.accessToken, newAccessTokenPayload: newPayload, storedPayloadUpdate, userContext });
    if (result === undefined) {
      // The access token expired meanwhile: keep the change in memory; storage was updated.
      this.payload = { ...pickProtectedProps(this.payload), ...stripProtectedProps(newPayload) };
      return;
    }
    this.accessToken = result.accessToken.token;
    this.payload = result.payload;
    this.expiry = result.accessToken.expiry;
    this.updated = true;
    if (this.attached) setAccessTokenInResponse(this.init.config, this.attached.res, this.accessToken, this.frontToken(), this.attached.transferMethod);
  }

  async fetchAndSetClaim<T>(claim: SessionClaim<T>, userContext: UserContext = {}): Promise<void> {
    const update = await claim.build(this.init.userId, this.init.recipeUserId, this.init.tenantId, this.getAccessTokenPayload(), userContext);
    await this.mergeIntoAccessTokenPayload(update, userContext);
  }

  async setClaimValue<T>(claim: SessionClaim<T>, value: T, userContext: UserContext = {}): Promise<void> {
    await this.mergeIntoAccessTokenPayload(claim.addToPayload_internal({}, value, userContext), userContext);
  }

  /** The value from the session's own payload: an array or object value is the app's to change. */
  async getClaimValue<T>(claim: SessionClaim<T>, userContext: UserContext = {}): Promise<T | undefined> {
    return claim.getValueFromPayload(this.getAccessTokenPayload(), userContext);
  }

  async removeClaim(claim: SessionClaim<unknown>, userContext: UserContext = {}): Promise<void> {
    await this.mergeIntoAccessTokenPayload(claim.removeFromPayloadByMerge_internal({}, userContext), userContext);
  }

  /** Writes the tokens that changed (all of them after create or refresh) to `res`, and keeps writing later changes there. */
  attachToRequestResponse(input: { req: HttpRequest; res: HttpResponse; transferMethod: TokenTransferMethod }, _userContext?: UserContext): void {
    this.attached = { res: input.res, transferMethod: input.transferMethod };
    const { config } = this.init;
    if (this.updated) setAccessTokenInResponse(config, input.res, this.accessToken, this.frontToken(), input.transferMethod);
    if (this.init.refreshToken !== undefined && this.refreshTokenExpiry !== undefined) {
      setToken(config, input.res, "refresh", this.init.refreshToken, this.refreshTokenExpiry, input.transferMethod);
    }
    if (this.init.antiCsrfToken !== undefined && this.init.refreshToken !== undefined) setAntiCsrfTokenInResponse(input.res, this.init.antiCsrfToken);
  }

  /** Sync when every `shouldRefetch` is (the built-in claims): no promise and no await per request. */
  private needsRefetch(validators: SessionClaimValidator[], payload: JSONObject, userContext: UserContext): boolean | Promise<boolean> {
    for (let i = 0; i < validators.length; i++) {
      const validator = validators[i];
      if (validator?.claim === undefined) continue;
      const refetch = validator.shouldRefetch(payload, userContext);
      if (isPromiseLike(refetch)) return this.needsRefetchAsync(refetch, validators.slice(i + 1), payload, userContext);
      if (refetch) return true;
    }
    return false;
  }

  private async needsRefetchAsync(pending: PromiseLike<boolean>, rest: SessionClaimValidator[], payload: JSONObject, userContext: UserContext): Promise<boolean> {
    if (await pending) return true;
    for (const validator of rest) if (validator.claim !== undefined && (await validator.shouldRefetch(payload, userContext))) return true;
    return false;
  }

  private frontToken(): string {
    return buildFrontToken(this.init.userId, this.expiry, this.payload);
  }

  private async information(userContext: UserContext) {
    const info = await this.init.recipe().getSessionInformation({ sessionHandle: this.init.sessionHandle, userContext });
    if (!info) throw SessionError.unauthorised("Session does not exist anymore");
    return info;
  }
}

function pickProtectedProps(payload: JSONObject): JSONObject {
  const out: JSONObject = {};
  for (const key of PROTECTED_PROPS) if (key in payload) out[key] = payload[key];
  return out;
}

/**
 * The same failure listed twice says nothing new: when the global list and a route's override both
 * hold `hasValue(true)` for one claim (the seed's two samples together), the 403 names it once.
 */
function withoutDuplicates(errors: ClaimValidationError[]): ClaimValidationError[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    const key = JSON.stringify([error.id, error.reason]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

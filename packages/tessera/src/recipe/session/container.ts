/**
 * The session object an app holds: identity, the current access-token payload, and the claim and
 * payload methods of protocol 2.5. When it is attached to a response, every change writes the new
 * access token and front-token there, in the transfer method the request used.
 */
import { SessionError } from "../../core/errors.js";
import type { HttpRequest, HttpResponse } from "../../core/http.js";
import type { JSONObject, SessionClaim, SessionClaimValidator, UserContext } from "./claims/types.js";
import { isPromiseLike } from "./claims/validate.js";
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
}

export class SessionContainerImpl implements SessionContainer {
  private accessToken: string;
  private payload: JSONObject;
  private expiry: number;
  private updated: boolean;
  private attached: { res: HttpResponse; transferMethod: TokenTransferMethod } | undefined;
  /** Set when a refresh issued a new refresh token: when it expires. */
  refreshTokenExpiry: number | undefined;

  constructor(private readonly init: SessionContainerInit) {
    this.accessToken = init.accessToken;
    this.payload = init.accessTokenPayload;
    this.expiry = init.accessTokenExpiry;
    this.updated = init.accessTokenUpdated;
  }

  getUserId = (): string => this.init.userId;
  getRecipeUserId = (): string => this.init.recipeUserId;
  getTenantId = (): string => this.init.tenantId;
  getHandle = (): string => this.init.sessionHandle;
  getAccessToken = (): string => this.accessToken;
  getAccessTokenPayload = (): JSONObject => this.payload;

  getAllSessionTokensDangerously = (): SessionTokens => ({
    accessToken: this.accessToken,
    refreshToken: this.init.refreshToken,
    antiCsrfToken: this.init.antiCsrfToken,
    frontToken: this.frontToken(),
    accessAndFrontTokenUpdated: this.updated,
  });

  revokeSession = async (userContext: UserContext = {}): Promise<void> => {
    await this.init.recipe().revokeSession({ sessionHandle: this.init.sessionHandle, userContext });
    // Cleared even when storage no longer had the session: the client must end up signed out.
    if (this.attached) clearTokens(this.init.config, this.attached.res, this.attached.transferMethod);
  };

  getSessionDataFromDatabase = async (userContext: UserContext = {}): Promise<JSONObject> => (await this.information(userContext)).sessionDataInDatabase;

  updateSessionDataInDatabase = async (newSessionData: JSONObject, userContext: UserContext = {}): Promise<void> => {
    const ok = await this.init.recipe().updateSessionDataInDatabase({ sessionHandle: this.init.sessionHandle, newSessionData, userContext });
    if (!ok) throw SessionError.unauthorised("Session does not exist anymore");
  };

  getTimeCreated = async (userContext: UserContext = {}): Promise<number> => (await this.information(userContext)).timeCreated;
  getExpiry = async (userContext: UserContext = {}): Promise<number> => (await this.information(userContext)).expiry;

  mergeIntoAccessTokenPayload = async (accessTokenPayloadUpdate: JSONObject, userContext: UserContext = {}): Promise<void> => {
    await this.replacePayload(mergePayload(this.payload, accessTokenPayloadUpdate), accessTokenPayloadUpdate, userContext);
  };

  /**
   * Validates against this token's own payload, refetching what the validators ask for (protocol
   * 2.3). A refetched value goes into the new token; it is written to storage only for keys whose
   * stored value is still the one this token carries. So a claim changed by handle since this token
   * was issued is neither overwritten (no lost update) nor granted to this older token: the client
   * sees it after its next refresh. And a first-factor token stays refused after the session
   * completes its second factor elsewhere.
   */
  assertClaims = async (claimValidators: SessionClaimValidator[], userContext: UserContext = {}): Promise<void> => {
    const refetch = this.needsRefetch(claimValidators, this.payload, userContext);
    const stored = (typeof refetch === "boolean" ? refetch : await refetch)
      ? (await this.information(userContext)).customClaimsInAccessTokenPayload
      : undefined;
    const result = await this.init.recipe().validateClaims({
      userId: this.init.userId,
      recipeUserId: this.init.recipeUserId,
      tenantId: this.init.tenantId,
      accessTokenPayload: this.payload,
      claimValidators,
      userContext,
    });
    if (result.accessTokenPayloadUpdate !== undefined) {
      const current = stripProtectedProps(this.payload);
      const next = stripProtectedProps(result.accessTokenPayloadUpdate);
      const changed = payloadDelta(current, next);
      if (Object.keys(changed).length > 0) {
        const storedUpdate: JSONObject = {};
        for (const [key, value] of Object.entries(changed)) {
          if (stored === undefined || JSON.stringify(stored[key]) === JSON.stringify(current[key])) storedUpdate[key] = value;
        }
        await this.replacePayload(next, storedUpdate, userContext);
      }
    }
    if (result.invalidClaims.length > 0) throw SessionError.invalidClaims(withoutDuplicates(result.invalidClaims));
  };

  private async replacePayload(newPayload: JSONObject, storedPayloadUpdate: JSONObject, userContext: UserContext): Promise<void> {
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

  fetchAndSetClaim = async <T>(claim: SessionClaim<T>, userContext: UserContext = {}): Promise<void> => {
    const update = await claim.build(this.init.userId, this.init.recipeUserId, this.init.tenantId, this.payload, userContext);
    await this.mergeIntoAccessTokenPayload(update, userContext);
  };

  setClaimValue = async <T>(claim: SessionClaim<T>, value: T, userContext: UserContext = {}): Promise<void> => {
    await this.mergeIntoAccessTokenPayload(claim.addToPayload_internal({}, value, userContext), userContext);
  };

  getClaimValue = async <T>(claim: SessionClaim<T>, userContext: UserContext = {}): Promise<T | undefined> => claim.getValueFromPayload(this.payload, userContext);

  removeClaim = async (claim: SessionClaim<unknown>, userContext: UserContext = {}): Promise<void> => {
    await this.mergeIntoAccessTokenPayload(claim.removeFromPayloadByMerge_internal({}, userContext), userContext);
  };

  /** Writes the tokens that changed (all of them after create or refresh) to `res`, and keeps writing later changes there. */
  attachToRequestResponse = (input: { req: HttpRequest; res: HttpResponse; transferMethod: TokenTransferMethod }): void => {
    this.attached = { res: input.res, transferMethod: input.transferMethod };
    const { config } = this.init;
    if (this.updated) setAccessTokenInResponse(config, input.res, this.accessToken, this.frontToken(), input.transferMethod);
    if (this.init.refreshToken !== undefined && this.refreshTokenExpiry !== undefined) {
      setToken(config, input.res, "refresh", this.init.refreshToken, this.refreshTokenExpiry, input.transferMethod);
    }
    if (this.init.antiCsrfToken !== undefined && this.init.refreshToken !== undefined) setAntiCsrfTokenInResponse(input.res, this.init.antiCsrfToken);
  };

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

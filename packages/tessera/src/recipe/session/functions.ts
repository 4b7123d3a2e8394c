/**
 * The default RecipeInterface of the session recipe: business rules over storage and tokens, no HTTP.
 *
 * Refresh follows protocol 1.3 (lazy commit): refreshing with the committed token issues a child
 * that is not stored; the child becomes committed ("promoted") the first time it, or the access
 * token issued with it, is used. Presenting anything else is token theft, except within the grace
 * window after a promotion, where the previous token and its other children still pass: that is
 * what two concurrent refreshes from one client look like.
 */
import type { KeyObject } from "node:crypto";
import { SessionError } from "../../core/errors.js";
import { now } from "../../core/clock.js";
import { asyncWithNow, type MaybePromise } from "../../core/maybe-promise.js";
import { constantTimeEqual, randomId } from "../../core/crypto/random.js";
import type { RefreshUpdate, SessionRow } from "../../core/storage.js";
import { signedOutEverywhere } from "../../core/user-events.js";
import type { JSONObject, SessionClaim } from "./claims/types.js";
import { validateClaimsNow } from "./claims/validate.js";
import { SessionContainerImpl } from "./container.js";
import type { SessionState } from "./state.js";
import { deepFreezeJSON, VerifiedTokenCache } from "./verified-cache.js";
import {
  antiCsrfTokenFor,
  checkHeader,
  hash1,
  hash2,
  makeRefreshToken,
  parseAccessToken,
  parseRefreshToken,
  signAccessToken,
  mergePayload,
  payloadDelta,
  stripProtectedProps,
  verifySignature,
  type AccessTokenPayload,
  type ParsedAccessToken,
} from "./tokens.js";
import type { RecipeInterface, SessionInformation } from "./types.js";

export function makeDefaultFunctions(state: SessionState, self: () => RecipeInterface): RecipeInterface {
  const { config, storage, keys } = state;
  const kind = config.useDynamicAccessTokenSigningKey ? "dynamic" : "static";
  const verified = new VerifiedTokenCache<AccessTokenPayload>(config.verifiedTokenCacheSize);

  const isExpired = (row: SessionRow, at: number): boolean =>
    row.expiresAt <= at || (config.sessionMaxLifetimeMs !== undefined && row.createdAt + config.sessionMaxLifetimeMs <= at);

  const inGrace = (row: SessionRow, at: number) => row.promotedAt !== null && at - row.promotedAt <= config.refreshGracePeriodMs;

  const nextExpiry = (row: SessionRow, at: number) => {
    const sliding = at + config.refreshTokenValidityMs;
    return config.sessionMaxLifetimeMs === undefined ? sliding : Math.min(sliding, row.createdAt + config.sessionMaxLifetimeMs);
  };

  // The store applies isExpired and nextExpiry itself in updateRefreshIfLive, on integer ms (PostgreSQL
  // binds them as BIGINT). Durations given in fractional seconds that are not whole milliseconds
  // (1.1 s is 1100.0000000000002 ms) keep to the read path, which computes both here as before.
  const refreshInOneStatement =
    Number.isSafeInteger(config.refreshTokenValidityMs) && (config.sessionMaxLifetimeMs === undefined || Number.isSafeInteger(config.sessionMaxLifetimeMs));

  async function issueAccessToken(input: {
    row: Pick<SessionRow, "handle" | "userId" | "recipeUserId" | "tenantId">;
    userPayload: JSONObject;
    refreshTokenHash1: string;
    parentRefreshTokenHash1: string | null;
    antiCsrfToken: string | null;
    expiryMs?: number;
  }) {
    const createdTime = now();
    const expiry = input.expiryMs ?? createdTime + config.accessTokenValidityMs;
    const payload: AccessTokenPayload = {
      ...input.userPayload,
      sub: input.row.userId,
      rsub: input.row.recipeUserId,
      exp: Math.floor(expiry / 1000),
      iat: Math.floor(createdTime / 1000),
      sessionHandle: input.row.handle,
      refreshTokenHash1: input.refreshTokenHash1,
      parentRefreshTokenHash1: input.parentRefreshTokenHash1,
      antiCsrfToken: input.antiCsrfToken,
      tId: input.row.tenantId,
    };
    const { kid, privateKey } = await keys.signingKey(kind);
    return { token: signAccessToken(payload, kid, privateKey), payload, expiry: payload.exp * 1000, createdTime };
  }

  /** Compare-and-set with a re-read on conflict: the refresh and promotion writes never lose an update. */
  async function promote(row: SessionRow, newHash2: string, at: number, keepPrevious: boolean): Promise<boolean> {
    return storage.sessions.updateRefresh(row.handle, row.refreshHash2, {
      refreshHash2: newHash2,
      prevRefreshHash2: keepPrevious ? row.prevRefreshHash2 : row.refreshHash2,
      promotedAt: keepPrevious ? row.promotedAt : at,
      expiresAt: nextExpiry(row, at),
    });
  }

  function container(input: {
    row: Pick<SessionRow, "handle" | "userId" | "recipeUserId" | "tenantId">;
    accessToken: string;
    payload: JSONObject;
    payloadShared?: boolean;
    expiry: number;
    refreshToken?: string;
    antiCsrfToken?: string;
    updated: boolean;
  }) {
    return new SessionContainerImpl({
      recipe: self,
      config,
      sessionHandle: input.row.handle,
      userId: input.row.userId,
      recipeUserId: input.row.recipeUserId,
      tenantId: input.row.tenantId,
      accessToken: input.accessToken,
      accessTokenPayload: input.payload,
      payloadShared: input.payloadShared,
      accessTokenExpiry: input.expiry,
      refreshToken: input.refreshToken,
      antiCsrfToken: input.antiCsrfToken,
      accessTokenUpdated: input.updated,
    });
  }

  type GetSessionInput = Parameters<RecipeInterface["getSession"]>[0];

  /**
   * getSession, answering at once when no I/O is needed: a cached token, or a signature checked
   * with a key already in memory, and no database check (the common request). Anything that must
   * wait (a key not loaded yet, `checkDatabase`, a token's first use after a refresh) returns a promise.
   */
  function getSessionNow(input: GetSessionInput): MaybePromise<SessionContainerImpl | undefined> {
    const { accessToken, options } = input;
    if (accessToken === undefined) {
      if (options?.sessionRequired === false) return undefined;
      throw SessionError.unauthorised("Session does not exist. Are you sending the session tokens in the request?", false);
    }
    const at = now();
    // A payload from the cache is frozen and shared with other requests; the session copies it when the app asks for it.
    const cached = verified.get(accessToken, at);
    if (cached !== undefined) return checkSession(input, accessToken, cached, true, at);
    const parsed = parseAccessToken(accessToken);
    if (!parsed) {
      if (options?.sessionRequired === false) return undefined;
      throw SessionError.unauthorised("The access token could not be parsed", false);
    }
    // Everything below is a verification failure of a token shaped like ours: the client should refresh.
    const kid = checkHeader(parsed.header, config.useDynamicAccessTokenSigningKey ? "d-" : "s-");
    if (!kid) throw SessionError.tryRefresh("Access token header is not acceptable");
    const key = keys.cachedVerificationKey(kid);
    if (key !== undefined) return checkVerified(input, accessToken, parsed, key, at);
    return keys.verificationKey(kid).then((loaded) => checkVerified(input, accessToken, parsed, loaded, at));
  }

  function checkVerified(input: GetSessionInput, accessToken: string, parsed: ParsedAccessToken, key: KeyObject | undefined, at: number) {
    if (!key || !verifySignature(parsed, key)) throw SessionError.tryRefresh("Access token signature is not valid");
    const { payload } = parsed;
    if (at >= payload.exp * 1000) throw SessionError.tryRefresh("Access token has expired");
    if (payload.iat * 1000 > at + config.clockSkewLeewayMs) throw SessionError.tryRefresh("Access token was issued in the future");
    if (typeof payload.nbf === "number" && payload.nbf * 1000 > at + config.clockSkewLeewayMs) throw SessionError.tryRefresh("Access token is not valid yet");
    // Tokens awaiting promotion need the database on first use anyway; only settled tokens are cached.
    const cache = !payload.parentRefreshTokenHash1 && verified.enabled;
    if (cache) verified.set(accessToken, deepFreezeJSON(payload), payload.exp * 1000);
    return checkSession(input, accessToken, payload, cache, at);
  }

  /** The checks after the signature: anti-CSRF, then the database when asked for or when the token is a refresh's first. */
  function checkSession(input: GetSessionInput, accessToken: string, payload: AccessTokenPayload, shared: boolean, at: number): MaybePromise<SessionContainerImpl> {
    const { antiCsrfToken, options } = input;
    const doAntiCsrfCheck = options?.antiCsrfCheck !== false;
    if (config.antiCsrf === "VIA_TOKEN" && doAntiCsrfCheck) {
      // A token made without anti-CSRF (header mode) cannot be used where the check applies (cookies).
      if (typeof payload.antiCsrfToken !== "string" || antiCsrfToken === undefined || !constantTimeEqual(antiCsrfToken, payload.antiCsrfToken)) {
        throw SessionError.tryRefresh("Anti-CSRF token is missing or wrong");
      }
    }
    const identity = { handle: payload.sessionHandle, userId: payload.sub, recipeUserId: payload.rsub, tenantId: payload.tId };
    const settled = container({ row: identity, accessToken, payload, payloadShared: shared, expiry: payload.exp * 1000, updated: false });
    if (!payload.parentRefreshTokenHash1 && options?.checkDatabase !== true) return settled;
    return checkInDatabase(payload, settled, at);
  }

  async function checkInDatabase(payload: AccessTokenPayload, settled: SessionContainerImpl, at: number): Promise<SessionContainerImpl> {
    const row = await storage.sessions.get(payload.sessionHandle);
    if (!row || isExpired(row, at)) throw SessionError.unauthorised("Session does not exist or has expired");
    if (!payload.parentRefreshTokenHash1) return settled;

    // First use of an access token issued by a refresh: commit its refresh token (protocol 1.3).
    const own = hash2(payload.refreshTokenHash1);
    const parentHash2 = hash2(payload.parentRefreshTokenHash1);
    let committed = own === row.refreshHash2;
    if (!committed && (parentHash2 === row.refreshHash2 || (inGrace(row, at) && parentHash2 === row.prevRefreshHash2))) {
      committed = await promote(row, own, at, parentHash2 !== row.refreshHash2);
      if (!committed) committed = (await storage.sessions.get(row.handle))?.refreshHash2 === own;
    }
    if (!committed) throw SessionError.tryRefresh("This access token's refresh token is no longer current");
    const issued = await issueAccessToken({
      row,
      userPayload: row.accessTokenPayload as JSONObject,
      refreshTokenHash1: payload.refreshTokenHash1,
      parentRefreshTokenHash1: null,
      antiCsrfToken: payload.antiCsrfToken,
    });
    return container({ row, accessToken: issued.token, payload: issued.payload, expiry: issued.expiry, updated: true });
  }

  return {
    async createNewSession({ userId, recipeUserId, tenantId, accessTokenPayload, sessionDataInDatabase, disableAntiCsrf }) {
      const at = now();
      const handle = randomId();
      const macKey = await keys.macKey();
      const refreshToken = makeRefreshToken(macKey, handle, null);
      const h1 = hash1(refreshToken);
      const userPayload = stripProtectedProps(JSON.parse(JSON.stringify(accessTokenPayload ?? {})) as JSONObject);
      const row: SessionRow = {
        handle,
        userId,
        recipeUserId,
        tenantId,
        refreshHash2: hash2(h1),
        prevRefreshHash2: null,
        promotedAt: null,
        accessTokenPayload: userPayload,
        sessionData: JSON.parse(JSON.stringify(sessionDataInDatabase ?? {})) as JSONObject,
        createdAt: at,
        expiresAt: 0,
      };
      row.expiresAt = nextExpiry(row, at);
      await storage.sessions.create(row);
      const antiCsrfToken = config.antiCsrf === "VIA_TOKEN" && !disableAntiCsrf ? antiCsrfTokenFor(macKey, refreshToken) : null;
      const issued = await issueAccessToken({ row, userPayload, refreshTokenHash1: h1, parentRefreshTokenHash1: null, antiCsrfToken });
      const created = container({ row, accessToken: issued.token, payload: issued.payload, expiry: issued.expiry, refreshToken, antiCsrfToken: antiCsrfToken ?? undefined, updated: true });
      created.refreshTokenExpiry = row.expiresAt;
      return created;
    },

    getGlobalClaimValidators: ({ claimValidatorsAddedByOtherRecipes }) => claimValidatorsAddedByOtherRecipes,

    getSession: asyncWithNow(getSessionNow),

    validateClaims: asyncWithNow(({ userId, recipeUserId, tenantId, accessTokenPayload, claimValidators, userContext }) =>
      validateClaimsNow({ payload: accessTokenPayload, validators: claimValidators, userId, recipeUserId, tenantId, userContext }),
    ),

    async refreshSession({ refreshToken, antiCsrfToken, disableAntiCsrf }) {
      const macKey = await keys.macKey();
      const parsed = parseRefreshToken(macKey, refreshToken);
      if (!parsed) throw SessionError.unauthorised("The refresh token is not valid");
      const antiCsrfExpected = config.antiCsrf === "VIA_TOKEN" && !disableAntiCsrf;
      if (antiCsrfExpected && (antiCsrfToken === undefined || !constantTimeEqual(antiCsrfToken, antiCsrfTokenFor(macKey, refreshToken)))) {
        throw SessionError.unauthorised("Anti-CSRF token is missing or wrong", false);
      }
      const h1 = hash1(refreshToken);
      const own = hash2(h1);
      const parentHash2 = parsed.parentRefreshTokenHash1 ? hash2(parsed.parentRefreshTokenHash1) : undefined;
      // Refreshing with the committed token: its lineage moved on, so the grace for the previous one ends here.
      const settled = (expiresAt: number): RefreshUpdate => ({ refreshHash2: own, prevRefreshHash2: null, promotedAt: null, expiresAt });
      async function issueChild(row: SessionRow, at: number) {
        const child = makeRefreshToken(macKey, row.handle, h1);
        const childAntiCsrf = antiCsrfExpected ? antiCsrfTokenFor(macKey, child) : null;
        const issued = await issueAccessToken({
          row,
          userPayload: row.accessTokenPayload as JSONObject,
          refreshTokenHash1: hash1(child),
          parentRefreshTokenHash1: h1,
          antiCsrfToken: childAntiCsrf,
        });
        const result = container({ row, accessToken: issued.token, payload: issued.payload, expiry: issued.expiry, refreshToken: child, antiCsrfToken: childAntiCsrf ?? undefined, updated: true });
        result.refreshTokenExpiry = nextExpiry(row, at);
        return result;
      }
      if (refreshInOneStatement && storage.sessions.updateRefreshIfLive !== undefined) {
        // The common case, the committed token presented again, in one statement that checks and
        // writes. When it changes nothing (a child to promote, the grace window, theft, expiry, an
        // unknown session, a concurrent change), the read below finds out which and acts on it.
        const at = now();
        const row = await storage.sessions.updateRefreshIfLive(parsed.sessionHandle, own, settled(at + config.refreshTokenValidityMs), {
          nowMs: at,
          maxLifetimeMs: config.sessionMaxLifetimeMs,
        });
        if (row) return issueChild(row, at);
      }
      for (let attempt = 0; attempt < 3; attempt++) {
        const at = now();
        const row = await storage.sessions.get(parsed.sessionHandle);
        if (!row || isExpired(row, at)) {
          if (row) await storage.sessions.delete([row.handle]);
          throw SessionError.unauthorised("Session does not exist or has expired");
        }
        let applied: boolean;
        if (own === row.refreshHash2) {
          applied = await storage.sessions.updateRefresh(row.handle, row.refreshHash2, settled(nextExpiry(row, at)));
        } else if (parentHash2 === row.refreshHash2) {
          applied = await promote(row, own, at, false);
        } else if (inGrace(row, at) && parentHash2 !== undefined && parentHash2 === row.prevRefreshHash2) {
          applied = await promote(row, own, at, true);
        } else if (inGrace(row, at) && own === row.prevRefreshHash2) {
          applied = true;
        } else {
          // A superseded token: someone holds a copy of this lineage. The session is revoked here,
          // whoever called (the HTTP handler, refreshSessionWithoutRequestResponse, an app's own
          // onTokenTheftDetected), so neither copy can refresh again; the event is logged for the
          // operator (security reference SEC-15/16). Handle and user id only: no token is written.
          await storage.sessions.delete([row.handle]);
          console.warn(`[tessera] refresh token theft detected: session ${row.handle} of user ${row.userId} revoked`);
          throw new SessionError({ type: "TOKEN_THEFT_DETECTED", sessionHandle: row.handle, userId: row.userId, recipeUserId: row.recipeUserId }, "token theft detected");
        }
        if (!applied) continue;
        return issueChild(row, at);
      }
      throw SessionError.unauthorised("The session changed while refreshing; try again", false);
    },

    async revokeSession({ sessionHandle }) {
      return (await storage.sessions.delete([sessionHandle])).length > 0;
    },

    async revokeAllSessionsForUser({ userId, tenantId, revokeAcrossAllTenants }) {
      const scope = revokeAcrossAllTenants ? undefined : tenantId;
      const handles = await storage.sessions.listHandlesForUser(userId, scope);
      const revoked = await storage.sessions.delete(handles);
      await signedOutEverywhere(storage, userId, scope);
      return revoked;
    },

    async getAllSessionHandlesForUser({ userId, tenantId, fetchAcrossAllTenants }) {
      return storage.sessions.listHandlesForUser(userId, fetchAcrossAllTenants ? undefined : tenantId);
    },

    async revokeMultipleSessions({ sessionHandles }) {
      return storage.sessions.delete(sessionHandles);
    },

    async getSessionInformation({ sessionHandle }): Promise<SessionInformation | undefined> {
      const row = await storage.sessions.get(sessionHandle);
      if (!row || isExpired(row, now())) return undefined;
      return {
        sessionHandle: row.handle,
        userId: row.userId,
        recipeUserId: row.recipeUserId,
        sessionDataInDatabase: row.sessionData as JSONObject,
        expiry: row.expiresAt,
        customClaimsInAccessTokenPayload: row.accessTokenPayload as JSONObject,
        timeCreated: row.createdAt,
        tenantId: row.tenantId,
      };
    },

    async updateSessionDataInDatabase({ sessionHandle, newSessionData }) {
      return storage.sessions.updateData(sessionHandle, JSON.parse(JSON.stringify(newSessionData)) as JSONObject);
    },

    async mergeIntoAccessTokenPayload({ sessionHandle, accessTokenPayloadUpdate, userContext }) {
      const info = await self().getSessionInformation({ sessionHandle, userContext });
      if (!info) return false;
      return storage.sessions.updatePayload(sessionHandle, mergePayload(info.customClaimsInAccessTokenPayload, accessTokenPayloadUpdate));
    },

    async regenerateAccessToken({ accessToken, newAccessTokenPayload, storedPayloadUpdate, userContext }) {
      const parsed = parseAccessToken(accessToken);
      if (!parsed) throw SessionError.unauthorised("The access token could not be parsed", false);
      const payload = parsed.payload;
      const userPayload = stripProtectedProps(newAccessTokenPayload);
      // Storage gets a delta, never this token's whole payload: a change made there since this token
      // was issued (a claim set by handle) must not be overwritten by an older view.
      const delta = storedPayloadUpdate ?? payloadDelta(stripProtectedProps(payload), userPayload);
      if (!(await self().mergeIntoAccessTokenPayload({ sessionHandle: payload.sessionHandle, accessTokenPayloadUpdate: delta, userContext }))) {
        throw SessionError.unauthorised("Session does not exist anymore");
      }
      if (now() >= payload.exp * 1000) return undefined;
      const issued = await issueAccessToken({
        row: { handle: payload.sessionHandle, userId: payload.sub, recipeUserId: payload.rsub, tenantId: payload.tId },
        userPayload,
        refreshTokenHash1: payload.refreshTokenHash1,
        parentRefreshTokenHash1: payload.parentRefreshTokenHash1,
        antiCsrfToken: payload.antiCsrfToken,
        expiryMs: payload.exp * 1000,
      });
      return { accessToken: { token: issued.token, expiry: issued.expiry, createdTime: issued.createdTime }, payload: issued.payload };
    },

    async fetchAndSetClaim({ sessionHandle, claim, userContext }) {
      const info = await self().getSessionInformation({ sessionHandle, userContext });
      if (!info) return false;
      const update = await claim.build(info.userId, info.recipeUserId, info.tenantId, info.customClaimsInAccessTokenPayload, userContext);
      return self().mergeIntoAccessTokenPayload({ sessionHandle, accessTokenPayloadUpdate: update, userContext });
    },

    async setClaimValue({ sessionHandle, claim, value, userContext }) {
      const update = claim.addToPayload_internal({}, value, userContext);
      return self().mergeIntoAccessTokenPayload({ sessionHandle, accessTokenPayloadUpdate: update, userContext });
    },

    async getClaimValue<T>({ sessionHandle, claim, userContext }: { sessionHandle: string; claim: SessionClaim<T>; userContext: Record<string, unknown> }) {
      const info = await self().getSessionInformation({ sessionHandle, userContext });
      if (!info) return { status: "SESSION_DOES_NOT_EXIST_ERROR" as const };
      return { status: "OK" as const, value: claim.getValueFromPayload(info.customClaimsInAccessTokenPayload, userContext) };
    },

    async removeClaim({ sessionHandle, claim, userContext }) {
      const update = claim.removeFromPayloadByMerge_internal({}, userContext);
      return self().mergeIntoAccessTokenPayload({ sessionHandle, accessTokenPayloadUpdate: update, userContext });
    },
  };
}

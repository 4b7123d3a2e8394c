/**
 * The session recipe as a plain object: normalised config, the composed functions and APIs,
 * its endpoints, and how its errors become responses.
 */
import { SessionError } from "../../core/errors.js";
import { findRecipe } from "../../core/instance.js";
import { composeOverride } from "../../core/override.js";
import type { HttpResponse } from "../../core/http.js";
import type { RecipeFactory, RecipeInstance, Route } from "../../core/recipe.js";
import { makeDefaultAPIs } from "./api.js";
import type { SessionClaim, SessionClaimValidator } from "./claims/types.js";
import { normaliseSessionConfig } from "./config.js";
import { makeDefaultFunctions } from "./functions.js";
import { KeyRing } from "./keys.js";
import { getSessionFromRequest, type RequestContext } from "./request.js";
import type { SessionState } from "./state.js";
import { clearAllTokens, SESSION_CORS_HEADERS } from "./transport.js";
import type { APIInterface, RecipeInterface, SessionConfig, VerifySessionOptions } from "./types.js";

export const SESSION_RECIPE_ID = "session";

/** The session sign-out needs: required, and no claim validators (a user who has not finished MFA can sign out). */
const SIGN_OUT_SESSION: VerifySessionOptions = { sessionRequired: true, overrideGlobalClaimValidators: () => [] };

export interface SessionRecipe extends RecipeInstance {
  readonly state: SessionState;
  readonly recipeImplementation: RecipeInterface;
  readonly apiImplementation: APIInterface;
  readonly context: RequestContext;
  /** Another recipe's claim, built into every new session (protocol 2.4). Two claims with one key is a configuration error. */
  addClaimFromOtherRecipe(claim: SessionClaim<unknown>): void;
  /** Another recipe's validator, added to the global list every verifySession starts from. */
  addClaimValidatorFromOtherRecipe(validator: SessionClaimValidator): void;
}

export function sessionRecipeFactory(input: SessionConfig = {}): RecipeFactory {
  return ({ appInfo, storage, secretBox }) => {
    const config = normaliseSessionConfig(input, appInfo);
    const state: SessionState = {
      config,
      storage,
      keys: new KeyRing({ storage, secretBox, rotationIntervalMs: config.signingKeyRotationIntervalMs, accessTokenValidityMs: config.accessTokenValidityMs }),
      claimsAddedByOtherRecipes: [],
      claimValidatorsAddedByOtherRecipes: [],
    };
    const recipeImplementation = composeOverride((self) => makeDefaultFunctions(state, self), input.override?.functions);
    const context: RequestContext = { state, recipe: recipeImplementation };
    const apiImplementation = composeOverride(() => makeDefaultAPIs(() => context), input.override?.apis);
    const handlers = input.errorHandlers ?? {};

    const routes: Route[] = [
      {
        method: "POST",
        path: "/session/refresh",
        handle: async ({ req, res, userContext }) => {
          if (!apiImplementation.refreshPOST) return notFound(res);
          await apiImplementation.refreshPOST({ options: { config, recipeImplementation, req, res }, userContext });
          res.sendJSON({});
        },
      },
      {
        method: "POST",
        path: "/signout",
        handle: async ({ req, res, userContext }) => {
          if (!apiImplementation.signOutPOST) return notFound(res);
          // Signing out must work for a user who has not finished MFA: no claim validators here.
          const session = await getSessionFromRequest(context, req, res, SIGN_OUT_SESSION, userContext);
          if (!session) throw SessionError.unauthorised("Session does not exist", false);
          res.sendJSON(await apiImplementation.signOutPOST({ options: { config, recipeImplementation, req, res }, session, userContext }));
        },
      },
      {
        method: "GET",
        path: "/jwt/jwks.json",
        handle: async ({ res }) => {
          res.setHeader("Cache-Control", "max-age=60, must-revalidate");
          res.sendJSON(await state.keys.jwks());
        },
      },
    ];

    const recipe: SessionRecipe = {
      id: SESSION_RECIPE_ID,
      routes,
      state,
      recipeImplementation,
      apiImplementation,
      context,
      corsHeaders: SESSION_CORS_HEADERS,
      addClaimFromOtherRecipe(claim) {
        if (state.claimsAddedByOtherRecipes.some((c) => c.key === claim.key)) throw new Error(`Claim added by multiple recipes: ${claim.key}`);
        state.claimsAddedByOtherRecipes.push(claim);
      },
      addClaimValidatorFromOtherRecipe(validator) {
        state.claimValidatorsAddedByOtherRecipes.push(validator);
      },
      async handleError({ error, req, res, userContext }) {
        if (!(error instanceof SessionError)) return false;
        const payload = error.payload;
        switch (payload.type) {
          case "UNAUTHORISED":
            if (payload.clearTokens) clearAllTokens(config, res);
            if (handlers.onUnauthorised) await handlers.onUnauthorised(error.message, req, res, userContext);
            else {
              res.setStatus(config.sessionExpiredStatusCode);
              res.sendJSON({ message: "unauthorised" });
            }
            return true;
          case "TRY_REFRESH_TOKEN":
            if (handlers.onTryRefreshToken) await handlers.onTryRefreshToken(error.message, req, res, userContext);
            else {
              res.setStatus(config.sessionExpiredStatusCode);
              res.sendJSON({ message: "try refresh token" });
            }
            return true;
          case "TOKEN_THEFT_DETECTED":
            clearAllTokens(config, res);
            if (handlers.onTokenTheftDetected) {
              await handlers.onTokenTheftDetected(payload.sessionHandle, payload.userId, payload.recipeUserId, req, res, userContext);
            } else {
              await recipeImplementation.revokeSession({ sessionHandle: payload.sessionHandle, userContext });
              res.setStatus(config.sessionExpiredStatusCode);
              res.sendJSON({ message: "token theft detected" });
            }
            return true;
          case "CLEAR_DUPLICATE_SESSION_COOKIES":
            res.setStatus(200);
            res.sendJSON({ message: "The request contains multiple session cookies. We are clearing the cookie from olderCookieDomain. Session will be refreshed in the next refresh call." });
            return true;
          case "INVALID_CLAIMS":
            if (handlers.onInvalidClaim) await handlers.onInvalidClaim(payload.claimValidationErrors, req, res, userContext);
            else {
              res.setStatus(config.invalidClaimStatusCode);
              res.sendJSON({ message: "invalid claim", claimValidationErrors: payload.claimValidationErrors });
            }
            return true;
        }
      },
    };
    return recipe;
  };
}

/** An endpoint the app switched off (its API set to undefined) answers as if it did not exist. */
function notFound(res: HttpResponse): void {
  res.setStatus(404);
  res.sendJSON({ message: "Not found" });
}

/** The running session recipe; throws a clear error when tessera or the session recipe is not initialised. */
export function getSessionRecipe(): SessionRecipe {
  const recipe = findRecipe<SessionRecipe>(SESSION_RECIPE_ID);
  if (!recipe) throw new Error("The session recipe is not initialised: add Session.init() to recipeList in tessera.init");
  return recipe;
}

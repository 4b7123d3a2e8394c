/**
 * The email verification recipe as a plain object: normalised config, the composed functions and
 * APIs, its three endpoints (protocol 4.6), and its registration with the session recipe: the
 * `st-ev` claim in every new session and, in `REQUIRED` mode, its validator in the global list.
 */
import type { AppInfo } from "../../core/app-info.js";
import { BadInputError, ConfigError, SessionError } from "../../core/errors.js";
import { readJSONBody, type HttpRequest, type HttpResponse } from "../../core/http.js";
import { findRecipe } from "../../core/instance.js";
import { composeOverride } from "../../core/override.js";
import type { RecipeFactory, RecipeInstance, Route } from "../../core/recipe.js";
import type { Storage } from "../../core/storage.js";
import { addClaimFromOtherRecipe, addClaimValidatorFromOtherRecipe, FACTOR_ROUTE_SESSION, getSession } from "../session/index.js";
import { makeDefaultAPIs } from "./api.js";
import { EMAIL_VERIFICATION_RECIPE_ID, EmailVerificationClaim, type EmailVerificationValueSource } from "./claim.js";
import { consoleEmailDelivery } from "./delivery.js";
import { makeDefaultFunctions } from "./functions.js";
import type { APIInterface, APIOptions, EmailVerificationConfig, GetEmailForRecipeUserIdResult, NormalisedEmailVerificationConfig, RecipeInterface, UserContext } from "./types.js";

const DEFAULT_TOKEN_LIFETIME_S = 15 * 60;

export interface EmailVerificationRecipe extends RecipeInstance, EmailVerificationValueSource {
  readonly config: NormalisedEmailVerificationConfig;
  readonly appInfo: AppInfo;
  readonly recipeImplementation: RecipeInterface;
  readonly apiImplementation: APIInterface;
}

/** Checks the parts of the config that do not need the storage; fails at `EmailVerification.init()`. */
function checkConfig(input: EmailVerificationConfig | undefined): EmailVerificationConfig {
  if (!input || (input.mode !== "REQUIRED" && input.mode !== "OPTIONAL")) {
    throw new ConfigError('EmailVerification.init needs { mode: "REQUIRED" } (every verifySession requires a verified email) or { mode: "OPTIONAL" }');
  }
  if (input.emailDelivery !== undefined && typeof input.emailDelivery?.sendEmail !== "function") throw new ConfigError("EmailVerification.init: emailDelivery must be an object with sendEmail(input)");
  if (input.getEmailForRecipeUserId !== undefined && typeof input.getEmailForRecipeUserId !== "function") throw new ConfigError("EmailVerification.init: getEmailForRecipeUserId must be a function");
  const lifetime = input.emailVerificationTokenLifetime;
  if (lifetime !== undefined && (typeof lifetime !== "number" || !Number.isFinite(lifetime) || lifetime <= 0)) {
    throw new ConfigError("EmailVerification.init: emailVerificationTokenLifetime must be a positive number of seconds");
  }
  return input;
}

function normalise(input: EmailVerificationConfig, storage: Storage): NormalisedEmailVerificationConfig {
  // Email and password is the one login method that knows an email today.
  const builtIn = async (recipeUserId: string): Promise<GetEmailForRecipeUserIdResult> => {
    const row = await storage.emailPassword.getUserById(recipeUserId);
    return row ? { status: "OK", email: row.email } : { status: "UNKNOWN_USER_ID_ERROR" };
  };
  const custom = input.getEmailForRecipeUserId;
  return {
    mode: input.mode,
    emailDelivery: input.emailDelivery ?? consoleEmailDelivery,
    getEmailForRecipeUserId: custom
      ? async (recipeUserId, userContext) => {
          const answer = await custom(recipeUserId, userContext);
          return answer.status === "UNKNOWN_USER_ID_ERROR" ? builtIn(recipeUserId) : answer;
        }
      : builtIn,
    tokenLifetimeMs: (input.emailVerificationTokenLifetime ?? DEFAULT_TOKEN_LIFETIME_S) * 1000,
  };
}

async function readBody(req: HttpRequest): Promise<Record<string, unknown>> {
  const body = await readJSONBody(req);
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new BadInputError("Request body must be a JSON object");
  return body as Record<string, unknown>;
}

function notFound(res: HttpResponse): void {
  res.setStatus(404);
  res.sendJSON({ message: "Not found" });
}

export function emailVerificationRecipeFactory(input?: EmailVerificationConfig): RecipeFactory {
  const checked = checkConfig(input);
  return ({ appInfo, storage }) => {
    const config = normalise(checked, storage);
    const recipeImplementation = composeOverride<RecipeInterface>(() => makeDefaultFunctions(storage, config), checked.override?.functions);
    const apis = composeOverride<APIInterface>(() => makeDefaultAPIs(), checked.override?.apis);
    const options = (req: HttpRequest, res: HttpResponse): APIOptions => ({ config, recipeImplementation, appInfo, req, res });
    // The session endpoints skip claim validators: an unverified user must reach them (protocol 4.0).
    const requiredSession = async (req: HttpRequest, res: HttpResponse, userContext: UserContext) => {
      const session = await getSession(req, res, FACTOR_ROUTE_SESSION, userContext);
      if (!session) throw SessionError.unauthorised("Session does not exist", false);
      return session;
    };

    const routes: Route[] = [
      {
        method: "POST",
        path: "/user/email/verify/token",
        handle: async ({ req, res, userContext }) => {
          if (!apis.generateEmailVerifyTokenPOST) return notFound(res);
          const session = await requiredSession(req, res, userContext);
          res.sendJSON(await apis.generateEmailVerifyTokenPOST({ session, options: options(req, res), userContext }));
        },
      },
      {
        method: "POST",
        path: "/user/email/verify",
        handle: async ({ req, res, tenantId, userContext }) => {
          if (!apis.verifyEmailPOST) return notFound(res);
          const body = await readBody(req);
          if (body.method !== undefined && body.method !== "token") throw new BadInputError('Unsupported method: only "token" is supported');
          if (body.token === undefined || body.token === null) throw new BadInputError("Please provide the email verification token");
          if (typeof body.token !== "string") throw new BadInputError("The email verification token must be a string");
          const session = await getSession(req, res, { sessionRequired: false, overrideGlobalClaimValidators: () => [] }, userContext);
          const result = await apis.verifyEmailPOST({ token: body.token, tenantId, session, options: options(req, res), userContext });
          // The wire answer is `{status: "OK"}` only (protocol 4.6): the user object stays server side.
          res.sendJSON(result.status === "OK" ? { status: "OK" } : result);
        },
      },
      {
        method: "GET",
        path: "/user/email/verify",
        handle: async ({ req, res, userContext }) => {
          if (!apis.isEmailVerifiedGET) return notFound(res);
          const session = await requiredSession(req, res, userContext);
          res.sendJSON(await apis.isEmailVerifiedGET({ session, options: options(req, res), userContext }));
        },
      },
    ];

    const recipe: EmailVerificationRecipe = {
      id: EMAIL_VERIFICATION_RECIPE_ID,
      routes,
      config,
      appInfo,
      recipeImplementation,
      apiImplementation: apis,
      async isVerifiedForClaim(recipeUserId, userContext) {
        const info = await config.getEmailForRecipeUserId(recipeUserId, userContext);
        if (info.status === "UNKNOWN_USER_ID_ERROR") throw SessionError.unauthorised("Unknown User ID provided");
        if (info.status === "EMAIL_DOES_NOT_EXIST_ERROR") return true;
        return recipeImplementation.isEmailVerified({ recipeUserId, email: info.email, userContext });
      },
      postInit() {
        if (!findRecipe("session")) throw new ConfigError("EmailVerification needs the session recipe: add Session.init() to recipeList in tessera.init");
        addClaimFromOtherRecipe(EmailVerificationClaim);
        if (config.mode === "REQUIRED") addClaimValidatorFromOtherRecipe(EmailVerificationClaim.validators.isVerified());
      },
    };
    return recipe;
  };
}

/** The running email verification recipe; throws a clear error when it is not in recipeList. */
export function getEmailVerificationRecipe(): EmailVerificationRecipe {
  const recipe = findRecipe<EmailVerificationRecipe>(EMAIL_VERIFICATION_RECIPE_ID);
  if (!recipe) throw new ConfigError("The emailverification recipe is not initialised: add EmailVerification.init({ mode }) to recipeList in tessera.init");
  return recipe;
}

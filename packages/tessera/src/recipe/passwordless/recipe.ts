/**
 * The passwordless recipe as a plain object: normalised config, the composed functions and APIs,
 * its endpoints, the 429 of its sending limits, and its registration with MultiFactorAuth as the
 * factors `otp-email`, `link-email`, `otp-phone` and `link-phone` (those its config allows).
 */
import type { AppInfo } from "../../core/app-info.js";
import { ConfigError } from "../../core/errors.js";
import { findRecipe } from "../../core/instance.js";
import { composeOverride } from "../../core/override.js";
import type { RecipeFactory, RecipeInstance, Route } from "../../core/recipe.js";
import MultiFactorAuth from "../multifactorauth/index.js";
import { makeDefaultAPIs } from "./api.js";
import { configuredFactorIds, factorIdsFor, normalisePasswordlessConfig } from "./config.js";
import { makeDefaultFunctions } from "./functions.js";
import { sendTooManyRequests, TooManyRequestsError } from "./limits.js";
import { makeRoutes } from "./routes.js";
import type { APIInterface, NormalisedPasswordlessConfig, PasswordlessConfig, RecipeInterface } from "./types.js";
import { kindsSetUp } from "./users.js";

export const PASSWORDLESS_RECIPE_ID = "passwordless";
const SHARED_DEPRECATED_PATH = "/signup/email/exists";

export interface PasswordlessRecipe extends RecipeInstance {
  readonly config: NormalisedPasswordlessConfig;
  readonly appInfo: AppInfo;
  readonly recipeImplementation: RecipeInterface;
  readonly apiImplementation: APIInterface;
}

export function passwordlessRecipeFactory(input: PasswordlessConfig): RecipeFactory {
  // Normalised when Passwordless.init() is called, so a bad config fails there.
  const config = normalisePasswordlessConfig(input);
  return ({ appInfo, storage }) => {
    const recipeImplementation = composeOverride<RecipeInterface>(() => makeDefaultFunctions({ storage, config }), input.override?.functions);
    const apiImplementation = composeOverride<APIInterface>(() => makeDefaultAPIs(storage), input.override?.apis);
    const routes: Route[] = makeRoutes({ config, recipeImplementation, apiImplementation, appInfo, storage });
    const factorIds = configuredFactorIds(config);
    const only = (candidates: string[]) => candidates.filter((id) => factorIds.includes(id));

    const recipe: PasswordlessRecipe = {
      id: PASSWORDLESS_RECIPE_ID,
      routes,
      config,
      appInfo,
      recipeImplementation,
      apiImplementation,
      async handleError({ error, res }) {
        if (!(error instanceof TooManyRequestsError)) return false;
        sendTooManyRequests(res, error.retryAfterMs);
        return true;
      },
      postInit() {
        if (!findRecipe("session")) throw new ConfigError("Passwordless needs the session recipe: add Session.init() to recipeList in tessera.init");
        // The router takes the first recipe that has a path: emailpassword keeps its own deprecated one.
        if (findRecipe("emailpassword")) routes.splice(routes.findIndex((r) => r.path === SHARED_DEPRECATED_PATH), 1);
        if (!MultiFactorAuth.isInitialised()) return;
        MultiFactorAuth.registerFactorProvider({
          factorIds,
          // Set up: the user is a passwordless user with such a contact, or completed that kind as
          // a second factor (users.ts). An email-password user's email alone does not set up
          // otp-email, so a policy over "factors the user has" does not demand it of everyone.
          getFactorsSetUpForUser: async (userId) => {
            const kinds = await kindsSetUp(storage, userId);
            return only([...kinds].flatMap((kind) => factorIdsFor(kind, "USER_INPUT_CODE_AND_MAGIC_LINK")));
          },
          // Where a second-factor code may go: the contacts the user already has, from every login
          // method (the pre-built UI sends the code to the first one without asking).
          getEmailsForFactors: async (userId, userContext) => {
            const { emails } = await recipeImplementation.getContactsForUser({ userId, userContext });
            return Object.fromEntries(only(["otp-email", "link-email"]).map((id) => [id, emails]));
          },
          getPhoneNumbersForFactors: async (userId, userContext) => {
            const { phoneNumbers } = await recipeImplementation.getContactsForUser({ userId, userContext });
            return Object.fromEntries(only(["otp-phone", "link-phone"]).map((id) => [id, phoneNumbers]));
          },
        });
      },
    };
    return recipe;
  };
}

/** The running passwordless recipe; throws a clear error when it is not in recipeList. */
export function getPasswordlessRecipe(): PasswordlessRecipe {
  const recipe = findRecipe<PasswordlessRecipe>(PASSWORDLESS_RECIPE_ID);
  if (!recipe) throw new ConfigError("The passwordless recipe is not initialised: add Passwordless.init({ contactMethod, flowType }) to recipeList in tessera.init");
  return recipe;
}

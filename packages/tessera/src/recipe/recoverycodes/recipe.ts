/**
 * The recovery-codes recipe as a plain object: normalised config, the composed functions and
 * APIs, its three endpoints, and its registration with MultiFactorAuth as the factor
 * `recovery-code`. Every endpoint needs a session and skips claim validators, so a user who is
 * still mid-MFA can use a code.
 */
import { ConfigError } from "../../core/errors.js";
import { findRecipe } from "../../core/instance.js";
import { composeOverride } from "../../core/override.js";
import type { RecipeFactory, RecipeInstance } from "../../core/recipe.js";
import MultiFactorAuth from "../multifactorauth/index.js";
import { sessionRouteBuilder } from "../session/index.js";
import { makeDefaultAPIs, readCode, RECOVERY_CODE_FACTOR } from "./api.js";
import { makeDefaultFunctions } from "./functions.js";
import type { APIInterface, APIOptions, NormalisedRecoveryCodesConfig, RecipeInterface, RecoveryCodesConfig } from "./types.js";

export const RECOVERY_CODES_RECIPE_ID = "recoverycodes";

export interface RecoveryCodesRecipe extends RecipeInstance {
  readonly config: NormalisedRecoveryCodesConfig;
  readonly recipeImplementation: RecipeInterface;
  readonly apiImplementation: APIInterface;
}

function wholeNumber(value: number | undefined, fallback: number, field: string, min: number, max: number): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`RecoveryCodes.init: ${field} must be a whole number from ${min} to ${max}, got ${String(value)}`);
  return n;
}

export function normaliseRecoveryCodesConfig(input: RecoveryCodesConfig): NormalisedRecoveryCodesConfig {
  return {
    count: wholeNumber(input.count, 10, "count", 1, 50),
    maxFactorAgeSeconds: wholeNumber(input.maxFactorAgeSeconds, 900, "maxFactorAgeSeconds", 0, 86_400),
  };
}

export function recoveryCodesRecipeFactory(input: RecoveryCodesConfig = {}): RecipeFactory {
  const config = normaliseRecoveryCodesConfig(input);
  return ({ storage }) => {
    const recipeImplementation = composeOverride<RecipeInterface>(() => makeDefaultFunctions({ storage, config }), input.override?.functions);
    const apiImplementation = composeOverride<APIInterface>(() => makeDefaultAPIs(), input.override?.apis);

    const route = sessionRouteBuilder(apiImplementation, (req, res): APIOptions => ({ config, recipeImplementation, req, res }));

    const recipe: RecoveryCodesRecipe = {
      id: RECOVERY_CODES_RECIPE_ID,
      config,
      recipeImplementation,
      apiImplementation,
      routes: [
        route("POST", "/recovery-codes", "createRecoveryCodesPOST", (fn, base) => fn(base)),
        route("GET", "/recovery-codes", "getRecoveryCodesGET", (fn, base) => fn(base)),
        route("POST", "/recovery-codes/verify", "verifyRecoveryCodePOST", async (fn, base, req) => fn({ ...base, code: await readCode(req) })),
      ],
      postInit() {
        if (!MultiFactorAuth.isInitialised()) throw new ConfigError("RecoveryCodes needs the multifactorauth recipe: add MultiFactorAuth.init() to recipeList");
        // Set up while an unused code is left: MFA then offers it wherever its requirement lists
        // it (see index.ts for how it stands in for totp).
        MultiFactorAuth.registerFactorProvider({
          factorIds: [RECOVERY_CODE_FACTOR],
          getFactorsSetUpForUser: async (userId) => ((await storage.recoveryCodes.countUnused(userId)) > 0 ? [RECOVERY_CODE_FACTOR] : []),
        });
      },
    };
    return recipe;
  };
}

/** The running recipe; throws a clear error when it is not in recipeList. */
export function getRecoveryCodesRecipe(): RecoveryCodesRecipe {
  const recipe = findRecipe<RecoveryCodesRecipe>(RECOVERY_CODES_RECIPE_ID);
  if (!recipe) throw new ConfigError("The recovery-codes recipe is not initialised: add RecoveryCodes.init() to recipeList in tessera.init");
  return recipe;
}

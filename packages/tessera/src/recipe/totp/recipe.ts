/**
 * The TOTP recipe as a plain object: normalised config, the composed functions and APIs, and its
 * five endpoints (protocol 4.4). Every endpoint needs a session and skips claim validators, so a
 * user who is still mid-MFA can reach them.
 */
import { ConfigError } from "../../core/errors.js";
import type { AppInfo } from "../../core/app-info.js";
import { findRecipe } from "../../core/instance.js";
import { getLimits } from "../../core/limits.js";
import { composeOverride } from "../../core/override.js";
import type { RecipeFactory, RecipeInstance, Route } from "../../core/recipe.js";
import MultiFactorAuth from "../multifactorauth/index.js";
import { sessionRouteBuilder } from "../session/index.js";
import { makeDefaultAPIs, readBody, readDeviceName, readTotp } from "./api.js";
import { makeDefaultFunctions } from "./functions.js";
import type { APIInterface, APIOptions, NormalisedTOTPConfig, RecipeInterface, TOTPConfig } from "./types.js";

export const TOTP_RECIPE_ID = "totp";

function wholeNumber(value: number | undefined, fallback: number, field: string, min: number, max: number): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`TOTP.init: ${field} must be a whole number from ${min} to ${max}, got ${String(value)}`);
  return n;
}

export function normaliseTOTPConfig(input: TOTPConfig, appInfo: AppInfo): NormalisedTOTPConfig {
  const issuer = input.issuer ?? appInfo.appName;
  if (typeof issuer !== "string" || issuer.trim() === "") throw new ConfigError("TOTP.init: issuer must be a non-empty string");
  return {
    issuer,
    // RFC 6238 §5.2 recommends at most one step of network delay; more widens every guess.
    defaultSkew: wholeNumber(input.defaultSkew, 1, "defaultSkew", 0, 10),
    defaultPeriod: wholeNumber(input.defaultPeriod, 30, "defaultPeriod", 1, 3600),
    // The shared second-factor limit (core/limits.ts) unless TOTP is given its own tolerance.
    maxAttempts: wholeNumber(input.maxAttempts, getLimits().secondFactor.max, "maxAttempts", 1, 100),
    cooldownMs: input.cooldownSeconds === undefined ? getLimits().secondFactor.lockMs : wholeNumber(input.cooldownSeconds, 900, "cooldownSeconds", 1, 86_400 * 30) * 1000,
  };
}

export interface TOTPRecipe extends RecipeInstance {
  readonly config: NormalisedTOTPConfig;
  readonly recipeImplementation: RecipeInterface;
  readonly apiImplementation: APIInterface;
}

export function totpRecipeFactory(input: TOTPConfig = {}): RecipeFactory {
  return ({ appInfo, storage, secretBox }) => {
    const config = normaliseTOTPConfig(input, appInfo);
    const recipeImplementation = composeOverride((self) => makeDefaultFunctions({ config, storage, secretBox }, self), input.override?.functions);
    const apiImplementation = composeOverride(() => makeDefaultAPIs(), input.override?.apis);

    const route = sessionRouteBuilder(apiImplementation, (req, res): APIOptions => ({ config, recipeImplementation, req, res }));

    const routes: Route[] = [
      route("POST", "/totp/device", "createDevicePOST", async (fn, base, req) => fn({ ...base, deviceName: readDeviceName(await readBody(req), false) })),
      route("GET", "/totp/device/list", "listDevicesGET", (fn, base) => fn(base)),
      route("POST", "/totp/device/remove", "removeDevicePOST", async (fn, base, req) => fn({ ...base, deviceName: readDeviceName(await readBody(req), true) })),
      route("POST", "/totp/device/verify", "verifyDevicePOST", async (fn, base, req) => {
        const body = await readBody(req);
        return fn({ ...base, deviceName: readDeviceName(body, true), totp: readTotp(body) });
      }),
      route("POST", "/totp/verify", "verifyTOTPPOST", async (fn, base, req) => fn({ ...base, totp: readTotp(await readBody(req)) })),
    ];

    const recipe: TOTPRecipe = {
      id: TOTP_RECIPE_ID,
      routes,
      config,
      recipeImplementation,
      apiImplementation,
      postInit() {
        // TOTP is a second factor only: without MFA there is no st-mfa claim to complete and no
        // rule for who may add a device.
        if (!MultiFactorAuth.isInitialised()) {
          throw new ConfigError("TOTP needs the multifactorauth recipe: add MultiFactorAuth.init() to recipeList");
        }
        MultiFactorAuth.registerFactorProvider({
          factorIds: ["totp"],
          getFactorsSetUpForUser: async (userId, userContext) => {
            const { devices } = await recipeImplementation.listDevices({ userId, userContext });
            return devices.some((d) => d.verified) ? ["totp"] : [];
          },
        });
      },
    };
    return recipe;
  };
}

/** The running TOTP recipe; throws a clear error when it is not in recipeList. */
export function getTOTPRecipe(): TOTPRecipe {
  const recipe = findRecipe<TOTPRecipe>(TOTP_RECIPE_ID);
  if (!recipe) throw new ConfigError("The TOTP recipe is not initialised: add TOTP.init() to recipeList in tessera.init");
  return recipe;
}

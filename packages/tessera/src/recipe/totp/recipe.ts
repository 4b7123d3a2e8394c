/**
 * The TOTP recipe as a plain object: normalised config, the composed functions and APIs, and its
 * five endpoints (protocol 4.4). Every endpoint needs a session and skips claim validators, so a
 * user who is still mid-MFA can reach them.
 */
import { ConfigError, SessionError } from "../../core/errors.js";
import type { AppInfo } from "../../core/app-info.js";
import type { HttpRequest, HttpResponse } from "../../core/http.js";
import { findRecipe } from "../../core/instance.js";
import { composeOverride } from "../../core/override.js";
import type { RecipeFactory, RecipeInstance, Route, UserContext } from "../../core/recipe.js";
import MultiFactorAuth from "../multifactorauth/index.js";
import { getSession, type SessionContainer } from "../session/index.js";
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
    maxAttempts: wholeNumber(input.maxAttempts, 5, "maxAttempts", 1, 100),
    cooldownMs: wholeNumber(input.cooldownSeconds, 900, "cooldownSeconds", 1, 86_400 * 30) * 1000,
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

    /** One endpoint: the session (claims skipped), then the body, then the API, whose result is the body sent. */
    const route = <K extends keyof APIInterface>(
      method: Route["method"],
      path: string,
      api: K,
      call: (fn: NonNullable<APIInterface[K]>, base: { options: APIOptions; session: SessionContainer; userContext: UserContext }, req: HttpRequest) => Promise<unknown>,
    ): Route => ({
      method,
      path,
      handle: async ({ req, res, userContext }: { req: HttpRequest; res: HttpResponse; userContext: UserContext }) => {
        const fn = apiImplementation[api];
        if (fn === undefined) {
          res.setStatus(404);
          return res.sendJSON({ message: "Not found" });
        }
        const session = await getSession(req, res, { sessionRequired: true, overrideGlobalClaimValidators: () => [] }, userContext);
        if (!session) throw SessionError.unauthorised("Session does not exist", false);
        const options: APIOptions = { config, recipeImplementation, req, res };
        res.sendJSON(await call(fn as NonNullable<APIInterface[K]>, { options, session, userContext }, req));
      },
    });

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

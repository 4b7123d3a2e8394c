// tessera.init for the fixture app, configured by the environment the test starts `next start` with.
import tessera from "tessera";
import Session from "tessera/recipe/session";
import { SecondFactorClaim } from "../seed/second-factor-claim";

let initialised = false;

/** Every route calls this first: the first call in the server process initialises tessera. */
export function ensureInit() {
  if (initialised) return;
  initialised = true;
  const env = process.env;
  const seconds = (name) => (env[name] ? Number(env[name]) : undefined);
  tessera.init({
    framework: "express",
    appInfo: {
      appName: "Next.js fixture",
      apiDomain: "http://127.0.0.1",
      websiteDomain: "http://127.0.0.1",
      apiBasePath: env.FIXTURE_API_BASE_PATH ?? "/auth",
    },
    database: env.FIXTURE_DATABASE,
    recipeList: [
      Session.init({
        accessTokenValidity: seconds("FIXTURE_ACCESS_TOKEN_VALIDITY"),
        refreshGracePeriod: seconds("FIXTURE_REFRESH_GRACE_PERIOD"),
        // global-validators.ts from the seed, when the test asks for it.
        override: env.FIXTURE_GLOBAL_VALIDATORS
          ? {
              functions: (oI) => ({
                ...oI,
                getGlobalClaimValidators: (input) => [...input.claimValidatorsAddedByOtherRecipes, SecondFactorClaim.validators.hasValue(true)],
              }),
            }
          : undefined,
      }),
    ],
  });
}

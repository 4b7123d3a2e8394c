/**
 * The multi-factor auth recipe: the `st-mfa` claim, the requirement rules (protocol 5.2–5.4),
 * `PUT /mfa/info`, and the registry where factor recipes (emailpassword, totp, ...) announce
 * their factors.
 */
import { now } from "../../core/clock.js";
import { ConfigError, SessionError } from "../../core/errors.js";
import { findRecipe } from "../../core/instance.js";
import { composeOverride } from "../../core/override.js";
import type { RecipeFactory, RecipeInstance } from "../../core/recipe.js";
import type { Storage } from "../../core/storage.js";
import { addClaimValidatorFromOtherRecipe, FACTOR_ROUTE_SESSION, getSession, type JSONObject, type SessionContainer, type UserContext } from "../session/index.js";
import { getNextSetOfUnsatisfiedFactors, MultiFactorAuthClaim, setMFAClaimValueComputer } from "./claim.js";
import { normalisePolicy, type NormalisedPolicy } from "./policy.js";
import type { APIInterface, FactorProvider, MFAClaimValue, MFARequirementList, MultiFactorAuthConfig, RecipeInterface } from "./types.js";
import { TRUSTED_DEVICE_FACTOR_ID } from "./types.js";
import { normaliseTrustedDevicesConfig, useTrustedDevice } from "./trusted-devices.js";
import { makeTrustedDeviceRoutes } from "./trusted-devices-routes.js";

export const MFA_RECIPE_ID = "multifactorauth";
const METADATA_KEY = "requiredSecondaryFactors";
/** Factors that only start a sign-in in this version; never offered as a second factor. */
const FIRST_FACTOR_ONLY = new Set(["emailpassword", "thirdparty"]);
/** Factors that prove control of the same thing: one after another is not a second factor. */
const SAME_PROOF: Readonly<Record<string, string>> = { "otp-email": "email", "link-email": "email", "otp-phone": "phone", "link-phone": "phone" };
const proofOf = (factorId: string): string => SAME_PROOF[factorId] ?? factorId;
/**
 * The requirement left when a policy's only second factor is the one the user signed in with: no
 * recipe provides it, so it never completes. Configure a second factor the user can do besides
 * their first (e.g. totp next to otp-email), or sign in with another first factor.
 */
export const NO_SECOND_FACTOR_AVAILABLE = "no-second-factor-besides-the-first";

export interface MultiFactorAuthRecipe extends RecipeInstance {
  readonly recipeImplementation: RecipeInterface;
  readonly providers: FactorProvider[];
  computeClaimValue(input: { userId: string; tenantId: string; payload: JSONObject | undefined; userContext: UserContext }): Promise<MFAClaimValue>;
  firstFactors(): string[];
}

function invalidMFA(reason: string): SessionError {
  return SessionError.invalidClaims([{ id: MultiFactorAuthClaim.key, reason }]);
}

/** What the default functions need besides storage: the policy and the factors recipes provide. */
interface PolicyContext {
  policy: NormalisedPolicy;
  /** The factors that count as a second factor in the tenant (policy's, or every secondary factor available). */
  secondFactorsFor(tenantId: string): string[];
  /** `requiredSecondaryFactorsForTenant`: the tenant's factors when its rule is "everyone", else none. */
  requiredForTenant(tenantId: string): string[];
  /** Whether a trusted device in `c` stands in for the second factor (`trustedDevices` configured). */
  trustedDevices: boolean;
}

/** One requirements computation, as every caller (claim value, setup check, /mfa/info) must do it alike. */
function requirementsOf(
  impl: RecipeInterface,
  context: PolicyContext,
  input: { tenantId: string; payload: JSONObject; completed: Record<string, number>; userId: string; userContext: UserContext },
): Promise<MFARequirementList> | MFARequirementList {
  const { tenantId, userId, userContext } = input;
  return impl.getMFARequirementsForAuth({
    tenantId,
    accessTokenPayload: input.payload,
    completedFactors: input.completed,
    userId,
    factorsSetUpForUser: () => impl.getFactorsSetupForUser({ userId, userContext }),
    requiredSecondaryFactorsForUser: () => impl.getRequiredSecondaryFactorsForUser({ userId, userContext }),
    requiredSecondaryFactorsForTenant: async () => context.requiredForTenant(tenantId),
    userContext,
  });
}

export function multiFactorAuthRecipeFactory(config: MultiFactorAuthConfig = {}): RecipeFactory {
  if (config.firstFactors !== undefined && config.firstFactors.length === 0) throw new ConfigError("MultiFactorAuth.init: firstFactors must not be empty");
  const policy = normalisePolicy(config);
  return ({ storage, appInfo }) => {
    const trustedDevices = normaliseTrustedDevicesConfig(config.trustedDevices, appInfo);
    const providers: FactorProvider[] = [];
    const allFactorIds = () => [...new Set(providers.flatMap((p) => p.factorIds))];
    const firstFactors = () => config.firstFactors ?? allFactorIds();
    const secondaryFactorIds = () => allFactorIds().filter((id) => !FIRST_FACTOR_ONLY.has(id));
    const policyContext: PolicyContext = {
      policy,
      trustedDevices: trustedDevices !== undefined,
      secondFactorsFor: (tenantId) => policy.forTenant(tenantId).factors ?? secondaryFactorIds(),
      requiredForTenant: (tenantId) => {
        if (policy.forTenant(tenantId).require !== "everyone") return [];
        const factors = policyContext.secondFactorsFor(tenantId);
        // A policy that requires a second factor nobody can set up would silently require nothing.
        if (factors.length === 0) throw new ConfigError(`MultiFactorAuth: the policy requires a second factor in tenant "${tenantId}" but no secondary factor is available: add TOTP.init() to recipeList or list policy.factors`);
        return factors;
      },
    };

    const recipeImplementation = composeOverride<RecipeInterface>((self) => makeDefaultFunctions(storage, policyContext, providers, self, () => recipe), config.override?.functions);
    const apiImplementation = composeOverride<APIInterface>(
      () => ({
        resyncSessionAndFetchMFAInfoPUT: async ({ session, userContext }) => {
          const userId = session.getUserId();
          const value = await recipe.computeClaimValue({ userId, tenantId: session.getTenantId(), payload: session.getAccessTokenPayload(), userContext });
          await session.setClaimValue(MultiFactorAuthClaim, value, userContext);
          const alreadySetup = await recipeImplementation.getFactorsSetupForUser({ userId, userContext });
          const allowedToSetup: string[] = [];
          for (const factorId of secondaryFactorIds()) {
            try {
              await recipeImplementation.assertAllowedToSetupFactorElseThrowInvalidClaimError({ session, factorId, userContext });
              allowedToSetup.push(factorId);
            } catch (error) {
              if (!(error instanceof SessionError)) throw error;
            }
          }
          const requirements = await requirementsFor(session, value.c, userContext);
          const next = getNextSetOfUnsatisfiedFactors(value.c, requirements).factorIds.filter((id) => allowedToSetup.includes(id) || alreadySetup.includes(id));
          const emails: Record<string, string[]> = {};
          for (const provider of providers) Object.assign(emails, (await provider.getEmailsForFactors?.(userId, userContext)) ?? {});
          const phoneNumbers: Record<string, string[]> = {};
          for (const provider of providers) Object.assign(phoneNumbers, (await provider.getPhoneNumbersForFactors?.(userId, userContext)) ?? {});
          return { status: "OK", factors: { next, alreadySetup, allowedToSetup }, emails, phoneNumbers };
        },
      }),
      config.override?.apis,
    );

    const requirementsFor = (session: SessionContainer, completed: Record<string, number>, userContext: UserContext) =>
      requirementsOf(recipeImplementation, policyContext, { tenantId: session.getTenantId(), payload: session.getAccessTokenPayload(), completed, userId: session.getUserId(), userContext });

    const recipe: MultiFactorAuthRecipe = {
      id: MFA_RECIPE_ID,
      recipeImplementation,
      providers,
      firstFactors,
      routes: [
        {
          method: "PUT",
          path: "/mfa/info",
          handle: async ({ req, res, userContext }) => {
            if (!apiImplementation.resyncSessionAndFetchMFAInfoPUT) {
              res.setStatus(404);
              return res.sendJSON({ message: "Not found" });
            }
            const session = await getSession(req, res, FACTOR_ROUTE_SESSION, userContext);
            if (!session) throw SessionError.unauthorised("Session does not exist", false);
            res.sendJSON(await apiImplementation.resyncSessionAndFetchMFAInfoPUT({ session, userContext }));
          },
        },
        ...(trustedDevices ? makeTrustedDeviceRoutes({ storage, config: trustedDevices, secondaryFactorIds }) : []),
      ],
      postInit() {
        setMFAClaimValueComputer((input) => recipe.computeClaimValue(input));
        addClaimValidatorFromOtherRecipe(MultiFactorAuthClaim.validators.hasCompletedMFARequirementsForAuth());
      },
      async computeClaimValue({ userId, tenantId, payload, userContext }) {
        let completed = MultiFactorAuthClaim.getValueFromPayload(payload ?? {})?.c;
        if (completed === undefined) {
          // A session made before MFA was on: infer its first factor from the user's login methods (protocol 5.1).
          const setUp = await recipeImplementation.getFactorsSetupForUser({ userId, userContext });
          const first = firstFactors().find((id) => setUp.includes(id));
          if (first === undefined) throw SessionError.unauthorised("Incorrect login method used");
          completed = { [first]: Math.floor(now() / 1000) };
        }
        let c = completed;
        const met = async () =>
          getNextSetOfUnsatisfiedFactors(c, await requirementsOf(recipeImplementation, policyContext, { tenantId, payload: payload ?? {}, completed: c, userId, userContext })).factorIds.length === 0;
        let v = await met();
        // A remembered device of this user stands in for the second factor (trusted-devices.ts);
        // its marker, not a factor id, goes into `c`, so step-up checks for real factors still fail.
        if (!v && trustedDevices && c[TRUSTED_DEVICE_FACTOR_ID] === undefined && (await useTrustedDevice({ storage, config: trustedDevices, userId, tenantId, userContext }))) {
          c = { ...c, [TRUSTED_DEVICE_FACTOR_ID]: Math.floor(now() / 1000) };
          v = await met();
        }
        return { c, v };
      },
    };
    return recipe;
  };
}

function makeDefaultFunctions(
  storage: Storage,
  policyContext: PolicyContext,
  providers: FactorProvider[],
  self: () => RecipeInterface,
  recipe: () => MultiFactorAuthRecipe,
): RecipeInterface {
  const readRequired = async (userId: string) => {
    const value = (await storage.users.getMetadata(userId))[METADATA_KEY];
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  };
  return {
    // Default: any ONE of the required factors (user's and tenant's together), as in protocol 5.2,
    // plus, under "users-with-factors", the policy's factors that the user has set up.
    getMFARequirementsForAuth: async ({ tenantId, completedFactors, factorsSetUpForUser, requiredSecondaryFactorsForUser, requiredSecondaryFactorsForTenant }) => {
      // A trusted device completed the sign-in's second factor: nothing more is required for auth.
      if (policyContext.trustedDevices && completedFactors[TRUSTED_DEVICE_FACTOR_ID] !== undefined) return [];
      // A sign-in's first factor is never also its second, nor is another way of proving the same
      // thing (a link to the inbox a code signed in with). While everything in `c` proves one thing
      // (the first factor, perhaps done again another way), factors proving that thing cannot
      // complete the policy, or the emailed code that signed the user in would also satisfy a
      // policy listing otp-email as a second factor.
      const proofs = new Set(Object.keys(completedFactors).map(proofOf));
      const only = proofs.size === 1 ? [...proofs][0] : undefined;
      const provesTheFirst = (id: string) => only !== undefined && proofOf(id) === only;
      const stated = [...(await requiredSecondaryFactorsForUser()), ...(await requiredSecondaryFactorsForTenant())];
      const required = new Set(stated.filter((id) => !provesTheFirst(id)));
      if (policyContext.policy.forTenant(tenantId).require === "users-with-factors") {
        // Under "users-with-factors", the user's own login method (a passwordless user's email) is
        // not a second factor they set up: only the others count.
        const counted = policyContext.secondFactorsFor(tenantId);
        for (const id of await factorsSetUpForUser()) if (counted.includes(id) && !provesTheFirst(id)) required.add(id);
      }
      if (required.size > 0) return [{ oneOf: [...required] }];
      // A rule required a second factor and the only one it allows is the one used to sign in: the
      // requirement names a factor that never completes, so the session stays unverified.
      return stated.length > 0 ? [NO_SECOND_FACTOR_AVAILABLE] : [];
    },
    getFactorsSetupForUser: async ({ userId, userContext }) => {
      const lists = await Promise.all(providers.map((p) => p.getFactorsSetUpForUser(userId, userContext)));
      return [...new Set(lists.flat())];
    },
    markFactorAsCompleteInSession: async ({ session, factorId, userContext }) => {
      const current = MultiFactorAuthClaim.getValueFromPayload(session.getAccessTokenPayload())?.c ?? {};
      const payload: JSONObject = { ...session.getAccessTokenPayload(), [MultiFactorAuthClaim.key]: { c: { ...current, [factorId]: Math.floor(now() / 1000) }, v: false } };
      const value = await recipe().computeClaimValue({ userId: session.getUserId(), tenantId: session.getTenantId(), payload, userContext });
      await session.setClaimValue(MultiFactorAuthClaim, value, userContext);
    },
    assertAllowedToSetupFactorElseThrowInvalidClaimError: async ({ session, factorId, userContext }) => {
      const value = await recipe().computeClaimValue({ userId: session.getUserId(), tenantId: session.getTenantId(), payload: session.getAccessTokenPayload(), userContext });
      if (value.v) return;
      const requirements = await requirementsOf(self(), policyContext, {
        tenantId: session.getTenantId(),
        payload: session.getAccessTokenPayload(),
        completed: value.c,
        userId: session.getUserId(),
        userContext,
      });
      const next = getNextSetOfUnsatisfiedFactors(value.c, requirements).factorIds;
      const setUp = await self().getFactorsSetupForUser({ userId: session.getUserId(), userContext });
      // Once a user has a factor of the next set, only that factor can finish MFA: no new factor may be added (protocol 5.4).
      if (next.some((id) => setUp.includes(id))) throw invalidMFA("Completed factors in the session does not satisfy the MFA requirements for auth");
      if (next.length > 0 && !next.includes(factorId)) throw invalidMFA("Not allowed to setup factor that is not in the next set of unsatisfied factors");
    },
    getRequiredSecondaryFactorsForUser: async ({ userId }) => readRequired(userId),
    addToRequiredSecondaryFactorsForUser: async ({ userId, factorId }) => {
      const current = await readRequired(userId);
      if (!current.includes(factorId)) await storage.users.updateMetadata(userId, { [METADATA_KEY]: [...current, factorId] });
    },
    removeFromRequiredSecondaryFactorsForUser: async ({ userId, factorId }) => {
      const current = await readRequired(userId);
      if (current.includes(factorId)) await storage.users.updateMetadata(userId, { [METADATA_KEY]: current.filter((id) => id !== factorId) });
    },
  };
}

export function getMFARecipe(): MultiFactorAuthRecipe {
  const recipe = findRecipe<MultiFactorAuthRecipe>(MFA_RECIPE_ID);
  if (!recipe) throw new ConfigError("The multifactorauth recipe is not initialised: add MultiFactorAuth.init() to recipeList");
  return recipe;
}

export function isMFAInitialised(): boolean {
  return findRecipe(MFA_RECIPE_ID) !== undefined;
}

/**
 * `tessera/recipe/multifactorauth`: the `st-mfa` claim, MFA requirements and `PUT /mfa/info`.
 *
 * Who must use a second factor is one setting, `policy`: `"everyone"`, `"users-with-factors"`,
 * `"marked-users"` (see `addToRequiredSecondaryFactorsForUser`), with per-tenant rules. The
 * global `st-mfa` validator then refuses every `verifySession` route until the factor is done,
 * whatever the first factor was. For step-up, a route adds
 * `MultiFactorAuthClaim.validators.hasCompletedFactorWithin("totp", 300)`.
 *
 * @example
 * import MultiFactorAuth from "tessera/recipe/multifactorauth";
 * tessera.init({ ..., recipeList: [Session.init(), EmailPassword.init(), TOTP.init(),
 *   MultiFactorAuth.init({ firstFactors: ["emailpassword"], policy: { require: "everyone", factors: ["totp"] } })] });
 */
import type { RecipeFactory } from "../../core/recipe.js";
import type { SessionContainer, UserContext } from "../session/index.js";
import { MultiFactorAuthClaim } from "./claim.js";
import { getMFARecipe, isMFAInitialised, multiFactorAuthRecipeFactory } from "./recipe.js";
import { FactorIds, TRUSTED_DEVICE_FACTOR_ID, type FactorProvider, type MultiFactorAuthConfig } from "./types.js";
import { revokeAllTrustedDevicesForUser as revokeTrustedDevices } from "./trusted-devices.js";

export type {
  APIInterface,
  FactorProvider,
  MFAClaimValue,
  MFAInfo,
  MFARequirementList,
  MultiFactorAuthConfig,
  RecipeInterface,
  SecondFactorPolicy,
  SecondFactorRequirement,
  TenantSecondFactorPolicy,
  TrustedDeviceInfo,
  TrustedDevicesConfig,
} from "./types.js";
export { FactorIds, MultiFactorAuthClaim, TRUSTED_DEVICE_FACTOR_ID };

export function init(config?: MultiFactorAuthConfig): RecipeFactory {
  return multiFactorAuthRecipeFactory(config);
}

const impl = () => getMFARecipe().recipeImplementation;

/** Records that `factorId` was completed in this session and recomputes `st-mfa`; the new token goes out with the response. */
export async function markFactorAsCompleteInSession(session: SessionContainer, factorId: string, userContext: UserContext = {}): Promise<void> {
  await impl().markFactorAsCompleteInSession({ session, factorId, userContext });
}

/** Throws the 403 `st-mfa` error unless this session may set up `factorId` now (protocol 5.4). */
export async function assertAllowedToSetupFactorElseThrowInvalidClaimError(session: SessionContainer, factorId: string, userContext: UserContext = {}): Promise<void> {
  await impl().assertAllowedToSetupFactorElseThrowInvalidClaimError({ session, factorId, userContext });
}

/** Throws the 403 `st-mfa` error unless this session has completed MFA (for removing factors and other sensitive changes). */
export async function assertMFACompleted(session: SessionContainer, userContext: UserContext = {}): Promise<void> {
  await session.assertClaims([MultiFactorAuthClaim.validators.hasCompletedMFARequirementsForAuth()], userContext);
}

export async function getFactorsSetupForUser(userId: string, userContext: UserContext = {}): Promise<string[]> {
  return impl().getFactorsSetupForUser({ userId, userContext });
}

export async function getRequiredSecondaryFactorsForUser(userId: string, userContext: UserContext = {}): Promise<string[]> {
  return impl().getRequiredSecondaryFactorsForUser({ userId, userContext });
}

export async function addToRequiredSecondaryFactorsForUser(userId: string, factorId: string, userContext: UserContext = {}): Promise<void> {
  await impl().addToRequiredSecondaryFactorsForUser({ userId, factorId, userContext });
}

export async function removeFromRequiredSecondaryFactorsForUser(userId: string, factorId: string, userContext: UserContext = {}): Promise<void> {
  await impl().removeFromRequiredSecondaryFactorsForUser({ userId, factorId, userContext });
}

/** True when MultiFactorAuth.init() is in the running recipeList. */
export function isInitialised(): boolean {
  return isMFAInitialised();
}

/** True when `factorId` may start a sign-in (MultiFactorAuth.init's firstFactors, or every factor when unset; protocol 5.4). */
export function isValidFirstFactor(_tenantId: string, factorId: string): boolean {
  return getMFARecipe().firstFactors().includes(factorId);
}

/** For factor recipes: announce factors so MFA can tell which ones a user has set up. Call from postInit. */
export function registerFactorProvider(provider: FactorProvider): void {
  getMFARecipe().providers.push(provider);
}

/**
 * Forgets the user's remembered devices (`MultiFactorAuth.init({ trustedDevices })`), in one
 * tenant or in all when `tenantId` is undefined; returns how many there were. tessera calls this
 * itself when the user's factors or password change; call it when your app signs a user out
 * everywhere by other means.
 *
 * @example
 * await MultiFactorAuth.revokeAllTrustedDevicesForUser(userId);
 */
export async function revokeAllTrustedDevicesForUser(userId: string, tenantId?: string, _userContext: UserContext = {}): Promise<number> {
  return revokeTrustedDevices(userId, tenantId);
}

const MultiFactorAuth = {
  init,
  MultiFactorAuthClaim,
  FactorIds,
  markFactorAsCompleteInSession,
  assertAllowedToSetupFactorElseThrowInvalidClaimError,
  assertMFACompleted,
  getFactorsSetupForUser,
  getRequiredSecondaryFactorsForUser,
  addToRequiredSecondaryFactorsForUser,
  removeFromRequiredSecondaryFactorsForUser,
  isInitialised,
  isValidFirstFactor,
  registerFactorProvider,
  revokeAllTrustedDevicesForUser,
};

export default MultiFactorAuth;

/** Types of the multi-factor auth recipe, declared once. */
import type { SessionContainer, UserContext } from "../session/index.js";

/** Factor ids (protocol 5.1). */
export const FactorIds = {
  EMAILPASSWORD: "emailpassword",
  OTP_EMAIL: "otp-email",
  OTP_PHONE: "otp-phone",
  LINK_EMAIL: "link-email",
  LINK_PHONE: "link-phone",
  THIRDPARTY: "thirdparty",
  TOTP: "totp",
  WEBAUTHN: "webauthn",
} as const;

/** `st-mfa`: factors completed in this session (id → seconds since epoch) and whether the requirements are met. */
export interface MFAClaimValue {
  c: Record<string, number>;
  v: boolean;
}

export type MFARequirementList = Array<string | { oneOf: string[] } | { allOfInAnyOrder: string[] }>;

export interface NextFactors {
  type: "string" | "oneOf" | "allOfInAnyOrder";
  factorIds: string[];
}

/** How a factor recipe (emailpassword, totp, ...) tells MFA about its factors. */
export interface FactorProvider {
  factorIds: string[];
  /** The provider's factors this user has set up (e.g. totp: a verified device exists). */
  getFactorsSetUpForUser(userId: string, userContext: UserContext): Promise<string[]>;
  /** Candidate email addresses per factor id, for `PUT /mfa/info`. */
  getEmailsForFactors?(userId: string, userContext: UserContext): Promise<Record<string, string[]>>;
}

/**
 * Who must complete a second factor (see {@link SecondFactorPolicy}):
 * `"everyone"`, `"users-with-factors"` (those who set one up) or `"marked-users"` (those an admin
 * marked with `addToRequiredSecondaryFactorsForUser`; marked users are required in every mode).
 */
export type SecondFactorRequirement = "everyone" | "users-with-factors" | "marked-users";

/** The rule for one tenant: who must use a second factor, and which factors count (default: every secondary factor available). */
export interface TenantSecondFactorPolicy {
  require: SecondFactorRequirement;
  factors?: string[];
}

/**
 * `MultiFactorAuth.init({ policy })`: the app's second-factor policy, with per-tenant rules.
 *
 * @example
 * MultiFactorAuth.init({ firstFactors: ["emailpassword"], policy: { require: "users-with-factors", tenants: { acme: "everyone" } } });
 */
export interface SecondFactorPolicy extends TenantSecondFactorPolicy {
  tenants?: Record<string, SecondFactorRequirement | TenantSecondFactorPolicy>;
}

export interface MultiFactorAuthConfig {
  /** Factors that may start a sign-in (default: every factor a recipe provides). */
  firstFactors?: string[];
  /**
   * Who must complete a second factor: `"everyone"`, `"users-with-factors"`, `"marked-users"`,
   * or `{ require, factors?, tenants? }`. Read by the default `getMFARequirementsForAuth`.
   * Default: `"marked-users"`, or `"everyone"` with `requiredSecondaryFactors` when those are given.
   */
  policy?: SecondFactorRequirement | SecondFactorPolicy;
  /** Secondary factors every user must complete (one of them). The same as `policy: { require: "everyone", factors }`; not with `policy`. */
  requiredSecondaryFactors?: string[];
  override?: {
    functions?: (originalImplementation: RecipeInterface) => RecipeInterface;
    apis?: (originalImplementation: APIInterface) => APIInterface;
  };
}

export interface RecipeInterface {
  getMFARequirementsForAuth(input: {
    tenantId: string;
    accessTokenPayload: Record<string, unknown>;
    completedFactors: Record<string, number>;
    userId: string;
    factorsSetUpForUser: () => Promise<string[]>;
    requiredSecondaryFactorsForUser: () => Promise<string[]>;
    requiredSecondaryFactorsForTenant: () => Promise<string[]>;
    userContext: UserContext;
  }): Promise<MFARequirementList> | MFARequirementList;
  getFactorsSetupForUser(input: { userId: string; userContext: UserContext }): Promise<string[]>;
  markFactorAsCompleteInSession(input: { session: SessionContainer; factorId: string; userContext: UserContext }): Promise<void>;
  assertAllowedToSetupFactorElseThrowInvalidClaimError(input: { session: SessionContainer; factorId: string; userContext: UserContext }): Promise<void>;
  getRequiredSecondaryFactorsForUser(input: { userId: string; userContext: UserContext }): Promise<string[]>;
  addToRequiredSecondaryFactorsForUser(input: { userId: string; factorId: string; userContext: UserContext }): Promise<void>;
  removeFromRequiredSecondaryFactorsForUser(input: { userId: string; factorId: string; userContext: UserContext }): Promise<void>;
}

export interface MFAInfo {
  status: "OK";
  factors: { next: string[]; alreadySetup: string[]; allowedToSetup: string[] };
  emails: Record<string, string[]>;
  phoneNumbers: Record<string, string[]>;
}

export interface APIInterface {
  resyncSessionAndFetchMFAInfoPUT: undefined | ((input: { session: SessionContainer; userContext: UserContext }) => Promise<MFAInfo>);
}

/** Types of the multi-factor auth recipe, declared once. */
import type { SessionContainer, UserContext } from "../session/index.js";
import type { RecipeOverride } from "../../core/override.js";

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
  /** Candidate phone numbers (E.164) per factor id, for `PUT /mfa/info`. */
  getPhoneNumbersForFactors?(userId: string, userContext: UserContext): Promise<Record<string, string[]>>;
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
  /**
   * "Remember this device": off unless given. See {@link TrustedDevicesConfig}.
   *
   * @example
   * MultiFactorAuth.init({ requiredSecondaryFactors: ["totp"], trustedDevices: { validityDays: 30 } });
   */
  trustedDevices?: TrustedDevicesConfig;
  override?: RecipeOverride<RecipeInterface, APIInterface>;
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

/**
 * The marker a trusted device leaves in the session's `st-mfa.c` (with the time it was used). The
 * default `getMFARequirementsForAuth` counts it as the second factor for sign-in; it is not a
 * factor of its own, so step-up validators for a real factor (`hasCompletedFactorWithin("totp", …)`)
 * are not satisfied by it.
 */
export const TRUSTED_DEVICE_FACTOR_ID = "trusted-device";

/**
 * `MultiFactorAuth.init({ trustedDevices })`: "remember this device for N days". After completing
 * a second factor, the frontend calls `POST {apiBasePath}/mfa/trusted-device`; the device then gets
 * an HttpOnly cookie, and a later sign-in of the same user (and tenant) that carries it counts as
 * having completed the second factor. The cookie's secret is stored only as a hash, is rotated on
 * every use, and every device of a user is forgotten when their factors or password change.
 */
export interface TrustedDevicesConfig {
  /** How long a device stays trusted, counted from when it was remembered (using it does not extend it). Default 30; 1 to 400. */
  validityDays?: number;
  /** The device cookie's name. Default `"sTrustedDevice"`. */
  cookieName?: string;
  /**
   * The cookie's SameSite attribute. Default `"lax"`. Use `"none"` only when the website and the
   * API are on different sites (the API must then be served over https).
   */
  cookieSameSite?: "lax" | "strict" | "none";
}

/** One remembered device as `GET /mfa/trusted-devices` lists it (no secrets). */
export interface TrustedDeviceInfo {
  deviceId: string;
  label: string;
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
  /** True for the device the request came from. */
  current: boolean;
}

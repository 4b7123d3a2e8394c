/**
 * The second-factor policy: who must complete a second factor, stated once in
 * `MultiFactorAuth.init({ policy })` and read by the default `getMFARequirementsForAuth`.
 *
 * - `"everyone"`: every user must complete one of the policy's factors (a user with none set up
 *   is refused by every route until they set one up: `PUT /mfa/info` lists them in `next`).
 * - `"users-with-factors"`: a user who has set up one of the factors must complete one of those.
 * - `"marked-users"`: only users an admin marked (`addToRequiredSecondaryFactorsForUser`).
 *
 * Marked users are required in every mode: marking adds to the policy, never removes from it.
 * `tenants` overrides the rule per tenant. `factors` defaults to every secondary factor that a
 * recipe in recipeList provides (TOTP's `totp`, ...).
 */
import { ConfigError } from "../../core/errors.js";
import type { MultiFactorAuthConfig, SecondFactorPolicy, SecondFactorRequirement, TenantSecondFactorPolicy } from "./types.js";

const REQUIREMENTS: readonly SecondFactorRequirement[] = ["everyone", "users-with-factors", "marked-users"];

export interface TenantRule {
  require: SecondFactorRequirement;
  /** The factors that count as a second factor; undefined means every secondary factor available. */
  factors: string[] | undefined;
}

export interface NormalisedPolicy {
  forTenant(tenantId: string): TenantRule;
}

function checkFactors(factors: unknown, where: string): string[] | undefined {
  if (factors === undefined) return undefined;
  if (!Array.isArray(factors) || factors.length === 0 || !factors.every((f) => typeof f === "string" && f !== "")) {
    throw new ConfigError(`MultiFactorAuth.init: ${where}.factors must be a non-empty array of factor ids, e.g. ["totp"]`);
  }
  return [...new Set(factors as string[])];
}

function checkRule(value: SecondFactorRequirement | TenantSecondFactorPolicy, where: string, inherited?: TenantRule): TenantRule {
  const rule = typeof value === "string" ? { require: value } : value;
  if (typeof rule !== "object" || rule === null || !REQUIREMENTS.includes(rule.require)) {
    throw new ConfigError(`MultiFactorAuth.init: ${where} must be one of ${REQUIREMENTS.map((r) => `"${r}"`).join(", ")} (or { require, factors? })`);
  }
  return { require: rule.require, factors: checkFactors(rule.factors, where) ?? inherited?.factors };
}

/**
 * Checks `policy` at init. Without one, the older `requiredSecondaryFactors` keeps its meaning
 * ("everyone must complete one of these"), and with neither only marked users need a second factor.
 */
export function normalisePolicy(config: MultiFactorAuthConfig): NormalisedPolicy {
  const { policy, requiredSecondaryFactors } = config;
  if (policy !== undefined && requiredSecondaryFactors !== undefined) {
    throw new ConfigError('MultiFactorAuth.init: give either policy or requiredSecondaryFactors, not both (requiredSecondaryFactors: ["totp"] is policy: { require: "everyone", factors: ["totp"] })');
  }
  if (policy === undefined) {
    const factors = requiredSecondaryFactors ?? [];
    const rule: TenantRule = factors.length > 0 ? { require: "everyone", factors: [...factors] } : { require: "marked-users", factors: undefined };
    return { forTenant: () => rule };
  }
  const base = checkRule(policy, "policy");
  const tenants = new Map<string, TenantRule>();
  const overrides = typeof policy === "string" ? undefined : (policy as SecondFactorPolicy).tenants;
  if (overrides !== undefined) {
    if (typeof overrides !== "object" || overrides === null) throw new ConfigError("MultiFactorAuth.init: policy.tenants must map tenant ids to a requirement");
    for (const [tenantId, value] of Object.entries(overrides)) tenants.set(tenantId, checkRule(value, `policy.tenants["${tenantId}"]`, base));
  }
  return { forTenant: (tenantId) => tenants.get(tenantId) ?? base };
}

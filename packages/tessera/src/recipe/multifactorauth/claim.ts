/**
 * `st-mfa`, the multi-factor claim (protocol 5.1, 5.3). Its value is `{c, v}`: `c` records the
 * factors completed in this session, `v` whether the requirements for auth are met. Unlike the
 * primitive claims it has no fetch time: `v` is recomputed when a factor completes, on
 * `PUT /mfa/info`, or when the claim is missing.
 */
import { now } from "../../core/clock.js";
import { ConfigError } from "../../core/errors.js";
import { SessionClaim, type JSONObject, type SessionClaimValidator, type UserContext } from "../session/claims/index.js";
import type { MFAClaimValue } from "./types.js";

export const MFA_CLAIM_KEY = "st-mfa";

/** How the claim computes its value; set by the recipe at init (the claim object itself is module-level, as in the contract). */
let computeValue: ((input: { userId: string; tenantId: string; payload: JSONObject | undefined; userContext: UserContext }) => Promise<MFAClaimValue>) | undefined;

export function setMFAClaimValueComputer(fn: typeof computeValue): void {
  computeValue = fn;
}

/**
 * A completion time of `c` in seconds. Ours are seconds (protocol 5.1); a value this large can
 * only be milliseconds (supertokens' legacy fallback writes the session's ms creation time).
 */
function toSeconds(time: number): number {
  return time > 100_000_000_000 ? Math.floor(time / 1000) : time;
}

function isValue(value: unknown): value is MFAClaimValue {
  return typeof value === "object" && value !== null && typeof (value as MFAClaimValue).v === "boolean" && typeof (value as MFAClaimValue).c === "object";
}

class MultiFactorAuthClaimClass extends SessionClaim<MFAClaimValue> {
  constructor() {
    super(MFA_CLAIM_KEY);
  }

  async fetchValue(userId: string, _recipeUserId: string, tenantId: string, currentPayload: JSONObject | undefined, userContext: UserContext) {
    if (!computeValue) throw new Error("MultiFactorAuthClaim needs MultiFactorAuth.init() in recipeList");
    return computeValue({ userId, tenantId, payload: currentPayload, userContext });
  }

  /** Merges `c` with the previous value and overwrites `v`. */
  addToPayload_internal(payload: JSONObject, value: MFAClaimValue): JSONObject {
    const previous = isValue(payload[MFA_CLAIM_KEY]) ? (payload[MFA_CLAIM_KEY] as unknown as MFAClaimValue).c : {};
    return { ...payload, [MFA_CLAIM_KEY]: { c: { ...previous, ...value.c }, v: value.v } };
  }

  removeFromPayloadByMerge_internal(payload: JSONObject): JSONObject {
    return { ...payload, [MFA_CLAIM_KEY]: null };
  }

  removeFromPayload(payload: JSONObject): JSONObject {
    const copy = { ...payload };
    delete copy[MFA_CLAIM_KEY];
    return copy;
  }

  getValueFromPayload(payload: JSONObject): MFAClaimValue | undefined {
    const value = payload[MFA_CLAIM_KEY];
    return isValue(value) ? value : undefined;
  }

  readonly validators = {
    /** Valid when `v` is true; refetched only when the claim is missing (protocol 5.3). */
    hasCompletedMFARequirementsForAuth: (id?: string): SessionClaimValidator => ({
      id: id ?? MFA_CLAIM_KEY,
      claim: this,
      shouldRefetch: (payload: JSONObject) => this.getValueFromPayload(payload) === undefined,
      validate: (payload: JSONObject) =>
        this.getValueFromPayload(payload)?.v === true ? { isValid: true } : { isValid: false, reason: { message: "MFA requirement for auth is not satisfied" } },
    }),

    /** Valid when the session's completed factors satisfy `list` (an empty list is valid). */
    hasCompletedRequirementList: (list: Array<string | { oneOf: string[] } | { allOfInAnyOrder: string[] }>, id?: string): SessionClaimValidator => ({
      id: id ?? MFA_CLAIM_KEY,
      claim: this,
      shouldRefetch: (payload: JSONObject) => this.getValueFromPayload(payload) === undefined,
      validate: (payload: JSONObject) => {
        const completed = this.getValueFromPayload(payload)?.c ?? {};
        const next = getNextSetOfUnsatisfiedFactors(completed, list);
        if (next.factorIds.length === 0) return { isValid: true };
        if (next.type === "string") return { isValid: false, reason: { message: `Factor validation failed: ${next.factorIds[0]} not completed`, factorId: next.factorIds[0] ?? null } };
        if (next.type === "oneOf") return { isValid: false, reason: { message: `None of these factors are complete in the session: ${next.factorIds.join(", ")}`, oneOf: next.factorIds } };
        return { isValid: false, reason: { message: `Some of the factors are not complete in the session: ${next.factorIds.join(", ")}`, allOfInAnyOrder: next.factorIds } };
      },
    }),

    /**
     * Step-up: valid when `factorId` was completed in this session at most `maxAgeInSeconds` ago
     * (by `c`, in whole seconds). Completing the factor again (e.g. `POST /totp/verify`) moves its
     * time to now. The 403 reason names the factor, so the frontend can ask for it:
     * `{message: "factor not completed", factorId}` or
     * `{message: "factor not completed recently enough", factorId, ageInSeconds, maxAgeInSeconds}`.
     *
     * @example
     * verifySession({ overrideGlobalClaimValidators: (global) => [...global, MultiFactorAuthClaim.validators.hasCompletedFactorWithin("totp", 300)] });
     */
    hasCompletedFactorWithin: (factorId: string, maxAgeInSeconds: number, id?: string): SessionClaimValidator => {
      if (typeof factorId !== "string" || factorId === "") throw new ConfigError("hasCompletedFactorWithin needs a factor id, e.g. \"totp\"");
      if (typeof maxAgeInSeconds !== "number" || !Number.isFinite(maxAgeInSeconds) || maxAgeInSeconds < 0) {
        throw new ConfigError("hasCompletedFactorWithin needs maxAgeInSeconds as a number of seconds, e.g. 300");
      }
      return {
        id: id ?? MFA_CLAIM_KEY,
        claim: this,
        shouldRefetch: (payload: JSONObject) => this.getValueFromPayload(payload) === undefined,
        validate: (payload: JSONObject) => {
          const completedAt = this.getValueFromPayload(payload)?.c[factorId];
          if (typeof completedAt !== "number") return { isValid: false, reason: { message: "factor not completed", factorId } };
          // A time slightly ahead (another instance's clock) counts as just now, never as negative age.
          const ageInSeconds = Math.max(0, Math.floor(now() / 1000) - toSeconds(completedAt));
          if (ageInSeconds <= maxAgeInSeconds) return { isValid: true };
          return { isValid: false, reason: { message: "factor not completed recently enough", factorId, ageInSeconds, maxAgeInSeconds } };
        },
      };
    },
  };
}

/** The `st-mfa` claim. */
export const MultiFactorAuthClaim = new MultiFactorAuthClaimClass();

/** The first unsatisfied item of the requirement list, or an empty set when all are met (protocol 5.2). */
export function getNextSetOfUnsatisfiedFactors(completed: Record<string, number>, list: ReadonlyArray<string | { oneOf: string[] } | { allOfInAnyOrder: string[] }>): { type: "string" | "oneOf" | "allOfInAnyOrder"; factorIds: string[] } {
  const done = (id: string) => completed[id] !== undefined;
  for (const item of list) {
    if (typeof item === "string") {
      if (!done(item)) return { type: "string", factorIds: [item] };
    } else if ("oneOf" in item) {
      if (item.oneOf.length > 0 && !item.oneOf.some(done)) return { type: "oneOf", factorIds: [...item.oneOf] };
    } else {
      const missing = item.allOfInAnyOrder.filter((id) => !done(id));
      if (missing.length > 0) return { type: "allOfInAnyOrder", factorIds: missing };
    }
  }
  return { type: "string", factorIds: [] };
}

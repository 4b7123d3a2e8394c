/**
 * `st-mfa`, the multi-factor claim (protocol 5.1, 5.3). Its value is `{c, v}`: `c` records the
 * factors completed in this session, `v` whether the requirements for auth are met. Unlike the
 * primitive claims it has no fetch time: `v` is recomputed when a factor completes, on
 * `PUT /mfa/info`, or when the claim is missing.
 */
import { SessionClaim, type JSONObject, type SessionClaimValidator, type UserContext } from "../session/claims/index.js";
import type { MFAClaimValue } from "./types.js";

export const MFA_CLAIM_KEY = "st-mfa";

/** How the claim computes its value; set by the recipe at init (the claim object itself is module-level, as in the contract). */
let computeValue: ((input: { userId: string; tenantId: string; payload: JSONObject | undefined; userContext: UserContext }) => Promise<MFAClaimValue>) | undefined;

export function setMFAClaimValueComputer(fn: typeof computeValue): void {
  computeValue = fn;
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

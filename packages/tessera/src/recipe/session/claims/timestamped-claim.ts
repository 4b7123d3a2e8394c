import { ConfigError } from "../../../core/errors.js";
import { now } from "../../../core/clock.js";
import {
  SessionClaim,
  type ClaimValidationResult,
  type JSONObject,
  type JSONValue,
  type SessionClaimValidator,
  type UserContext,
} from "./types.js";

/** The fetch function a claim is configured with: `SessionClaim#fetchValue` as a plain function. */
export type FetchValue<V> = (
  userId: string,
  recipeUserId: string,
  tenantId: string,
  currentPayload: JSONObject | undefined,
  userContext: UserContext,
) => Promise<V | undefined> | V | undefined;

/** What every built-in claim is configured with. */
export interface ClaimConfig<V> {
  /** The access token payload key the value is stored under. */
  key: string;
  /** Reads the current value, e.g. from the database; `undefined` leaves the payload as it is. */
  fetchValue: FetchValue<V>;
  /**
   * How old (in seconds) a stored value may get before validators refetch it. Unset means a stored
   * value never goes stale on age alone.
   */
  defaultMaxAgeInSeconds?: number;
}

/** The rule a validator factory plugs into {@link TimestampedClaim.createValidator}. */
interface ValueRule<V> {
  /** The reason given when the payload holds no value. */
  missing(): JSONObject;
  /** The reason the stored value fails, or `undefined` when it passes. */
  wrong(value: V): JSONObject | undefined;
}

/**
 * Internal base of the built-in claims: stores `payload[key] = { v, t }` (value and the ms time it was
 * fetched or set) and builds validators sharing one refetch rule. Not part of the public API.
 */
export abstract class TimestampedClaim<V extends JSONValue> extends SessionClaim<V> {
  readonly defaultMaxAgeInSeconds: number | undefined;
  readonly #fetchValue: FetchValue<V>;

  constructor(config: ClaimConfig<V>) {
    if (typeof config.key !== "string" || config.key === "") {
      throw new ConfigError("A session claim needs a non-empty string `key`.");
    }
    if (typeof config.fetchValue !== "function") {
      throw new ConfigError(`Session claim "${config.key}" needs a \`fetchValue\` function.`);
    }
    super(config.key);
    this.#fetchValue = config.fetchValue;
    this.defaultMaxAgeInSeconds = config.defaultMaxAgeInSeconds;
  }

  fetchValue(
    userId: string,
    recipeUserId: string,
    tenantId: string,
    currentPayload: JSONObject | undefined,
    userContext: UserContext,
  ): Promise<V | undefined> | V | undefined {
    return this.#fetchValue(userId, recipeUserId, tenantId, currentPayload, userContext);
  }

  addToPayload_internal(payload: JSONObject, value: V, _userContext?: UserContext): JSONObject {
    return { ...payload, [this.key]: { v: value, t: now() } };
  }

  removeFromPayloadByMerge_internal(payload: JSONObject, _userContext?: UserContext): JSONObject {
    // A null in a merge update deletes the key when the session merges it.
    return { ...payload, [this.key]: null };
  }

  removeFromPayload(payload: JSONObject, _userContext?: UserContext): JSONObject {
    const copy = { ...payload };
    delete copy[this.key];
    return copy;
  }

  getValueFromPayload(payload: JSONObject, _userContext?: UserContext): V | undefined {
    return this.#readEntry(payload)?.v as V | undefined;
  }

  /** The ms time the stored value was fetched or set, or `undefined` when there is none. */
  getLastRefetchTime(payload: JSONObject, _userContext?: UserContext): number | undefined {
    const time = this.#readEntry(payload)?.t;
    return typeof time === "number" ? time : undefined;
  }

  /**
   * Builds a validator. Refetch when the value is missing or, with a max age, when it was fetched more
   * than `maxAgeInSeconds` ago. Validation reports, in this order: missing, expired, wrong value.
   */
  protected createValidator(
    id: string | undefined,
    maxAgeInSeconds: number | undefined,
    rule: ValueRule<V>,
  ): SessionClaimValidator {
    return {
      id: id ?? this.key,
      claim: this,
      shouldRefetch: (payload, userContext) => {
        if (this.getValueFromPayload(payload, userContext) === undefined) return true;
        if (maxAgeInSeconds === undefined) return false;
        // As in supertokens-node, a value without a readable time is not treated as stale: our own
        // addToPayload_internal always writes `t`, and the payload is signed.
        const fetchedAt = this.getLastRefetchTime(payload, userContext);
        return fetchedAt !== undefined && fetchedAt < now() - maxAgeInSeconds * 1000;
      },
      validate: (payload, userContext): ClaimValidationResult => {
        const value = this.getValueFromPayload(payload, userContext);
        if (value === undefined) return { isValid: false, reason: rule.missing() };
        if (maxAgeInSeconds !== undefined) {
          const fetchedAt = this.getLastRefetchTime(payload, userContext);
          const ageInSeconds = fetchedAt === undefined ? undefined : (now() - fetchedAt) / 1000;
          if (ageInSeconds !== undefined && ageInSeconds > maxAgeInSeconds) {
            return { isValid: false, reason: { message: "expired", ageInSeconds, maxAgeInSeconds } };
          }
        }
        const reason = rule.wrong(value);
        return reason === undefined ? { isValid: true } : { isValid: false, reason };
      },
    };
  }

  #readEntry(payload: JSONObject): { v?: JSONValue; t?: JSONValue } | undefined {
    const entry = payload[this.key];
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) return undefined;
    return entry;
  }
}

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fixedClock, setActiveClock, systemClock } from "../../../core/clock.js";
import { ConfigError } from "../../../core/errors.js";
import { BooleanClaim } from "./boolean.js";
import { PrimitiveClaim } from "./primitive.js";
import type { JSONObject, SessionClaimValidator } from "./types.js";

const T0 = 1_700_000_000_000;
let clock: ReturnType<typeof fixedClock>;

beforeEach(() => {
  clock = fixedClock(T0);
  setActiveClock(clock);
});
afterEach(() => {
  setActiveClock(systemClock);
});

function shouldRefetch(validator: SessionClaimValidator, payload: JSONObject) {
  if (validator.claim === undefined) throw new Error("validator has no claim");
  return validator.shouldRefetch(payload, {});
}

function stringClaim(defaultMaxAgeInSeconds?: number) {
  return new PrimitiveClaim<string>({ key: "plan", fetchValue: () => "pro", defaultMaxAgeInSeconds });
}

describe("PrimitiveClaim payload methods", () => {
  it("stores the value with the current clock time as { v, t } and keeps other keys", () => {
    const input = { other: 1 };
    expect(stringClaim().addToPayload_internal(input, "pro")).toStrictEqual({ other: 1, plan: { v: "pro", t: T0 } });
    expect(input).toStrictEqual({ other: 1 });
  });

  it("reads the value and the fetch time back", () => {
    const claim = stringClaim();
    const payload = { plan: { v: "pro", t: 123 } };
    expect(claim.getValueFromPayload(payload)).toBe("pro");
    expect(claim.getLastRefetchTime(payload)).toBe(123);
  });

  it("reads undefined when the key is absent or null", () => {
    const claim = stringClaim();
    expect(claim.getValueFromPayload({})).toBeUndefined();
    expect(claim.getValueFromPayload({ plan: null })).toBeUndefined();
    expect(claim.getLastRefetchTime({})).toBeUndefined();
  });

  it("removes by merge by setting the key to null", () => {
    expect(stringClaim().removeFromPayloadByMerge_internal({ a: 1, plan: { v: "pro", t: 1 } })).toStrictEqual({
      a: 1,
      plan: null,
    });
  });

  it("removes the key from a copy and leaves the input alone", () => {
    const input = { a: 1, plan: { v: "pro", t: 1 } };
    expect(stringClaim().removeFromPayload(input)).toStrictEqual({ a: 1 });
    expect(input).toStrictEqual({ a: 1, plan: { v: "pro", t: 1 } });
  });

  it("builds a payload fragment from fetchValue, passing it the ids, the payload and the context", async () => {
    const fetchValue = vi.fn(() => "pro");
    const claim = new PrimitiveClaim<string>({ key: "plan", fetchValue });
    const ctx = { requestId: "r1" };
    expect(await claim.build("u1", "ru1", "t1", { x: 1 }, ctx)).toStrictEqual({ plan: { v: "pro", t: T0 } });
    expect(fetchValue).toHaveBeenCalledWith("u1", "ru1", "t1", { x: 1 }, ctx);
  });

  it("awaits an async fetchValue when building", async () => {
    const claim = new PrimitiveClaim<number>({ key: "level", fetchValue: async () => 3 });
    expect(await claim.build("u1", "u1", "public", undefined)).toStrictEqual({ level: { v: 3, t: T0 } });
  });

  it("builds an empty fragment when fetchValue returns undefined", async () => {
    const claim = new PrimitiveClaim<string>({ key: "plan", fetchValue: () => undefined });
    expect(await claim.build("u1", "u1", "public", {})).toStrictEqual({});
  });

  it("rejects an empty key at construction", () => {
    expect(() => new PrimitiveClaim<string>({ key: "", fetchValue: () => "x" })).toThrow(ConfigError);
  });
});

describe("PrimitiveClaim.validators.hasValue", () => {
  it("uses the claim key as id unless an id is given", () => {
    const claim = stringClaim();
    expect(claim.validators.hasValue("pro").id).toBe("plan");
    expect(claim.validators.hasValue("pro", undefined, "plan-check").id).toBe("plan-check");
    expect(claim.validators.hasValue("pro").claim).toBe(claim);
  });

  it("passes when the stored value equals the expected one", async () => {
    const payload = stringClaim().addToPayload_internal({}, "pro");
    expect(await stringClaim().validators.hasValue("pro").validate(payload, {})).toStrictEqual({ isValid: true });
  });

  it("fails with a wrong value reason carrying the expected and actual values", async () => {
    const payload = { plan: { v: "free", t: T0 } };
    expect(await stringClaim().validators.hasValue("pro").validate(payload, {})).toStrictEqual({
      isValid: false,
      reason: { message: "wrong value", expectedValue: "pro", actualValue: "free" },
    });
  });

  it("compares with strict equality, so 1 does not match '1'", async () => {
    const claim = new PrimitiveClaim<number | string>({ key: "n", fetchValue: () => 1 });
    const result = await claim.validators.hasValue("1").validate({ n: { v: 1, t: T0 } }, {});
    expect(result).toStrictEqual({
      isValid: false,
      reason: { message: "wrong value", expectedValue: "1", actualValue: 1 },
    });
  });

  it("fails a missing value with a reason whose actualValue vanishes in JSON", async () => {
    const claim = new BooleanClaim({ key: "flag", fetchValue: () => true });
    const result = await claim.validators.hasValue(true).validate({}, {});
    expect(result).toStrictEqual({
      isValid: false,
      reason: { message: "value does not exist", expectedValue: true, actualValue: undefined },
    });
    if (result.isValid) throw new Error("expected a failure");
    expect(JSON.parse(JSON.stringify(result.reason))).toStrictEqual({
      message: "value does not exist",
      expectedValue: true,
    });
  });

  it("asks for a refetch when the value is missing", () => {
    expect(shouldRefetch(stringClaim().validators.hasValue("pro"), {})).toBe(true);
    expect(shouldRefetch(stringClaim().validators.hasValue("pro"), { plan: null })).toBe(true);
  });

  it("without a max age, keeps a years-old value valid and never refetches it", async () => {
    const validator = stringClaim().validators.hasValue("pro");
    const payload = { plan: { v: "pro", t: T0 } };
    clock.advance(5 * 365 * 24 * 3600 * 1000);
    expect(shouldRefetch(validator, payload)).toBe(false);
    expect(await validator.validate(payload, {})).toStrictEqual({ isValid: true });
  });

  it("with a max age, keeps a value exactly that old and refetches once the clock moves past it", () => {
    const validator = stringClaim().validators.hasValue("pro", 60);
    const payload = { plan: { v: "pro", t: T0 } };
    clock.advance(60_000);
    expect(shouldRefetch(validator, payload)).toBe(false);
    clock.advance(1);
    expect(shouldRefetch(validator, payload)).toBe(true);
  });

  it("fails a too-old value with an expired reason giving its age in fractional seconds", async () => {
    const validator = stringClaim().validators.hasValue("pro", 60);
    const payload = { plan: { v: "pro", t: T0 } };
    clock.advance(61_500);
    expect(await validator.validate(payload, {})).toStrictEqual({
      isValid: false,
      reason: { message: "expired", ageInSeconds: 61.5, maxAgeInSeconds: 60 },
    });
  });

  it("reports expiry before a wrong value", async () => {
    clock.advance(120_000);
    const result = await stringClaim().validators.hasValue("pro", 60).validate({ plan: { v: "free", t: T0 } }, {});
    expect(result).toStrictEqual({
      isValid: false,
      reason: { message: "expired", ageInSeconds: 120, maxAgeInSeconds: 60 },
    });
  });

  it("falls back to the claim's defaultMaxAgeInSeconds when no max age is given", async () => {
    const validator = stringClaim(10).validators.hasValue("pro");
    const payload = { plan: { v: "pro", t: T0 } };
    clock.advance(11_000);
    expect(shouldRefetch(validator, payload)).toBe(true);
    expect(await validator.validate(payload, {})).toStrictEqual({
      isValid: false,
      reason: { message: "expired", ageInSeconds: 11, maxAgeInSeconds: 10 },
    });
  });

  it("lets a per-validator max age override the claim default", async () => {
    const validator = stringClaim(10).validators.hasValue("pro", 3600);
    const payload = { plan: { v: "pro", t: T0 } };
    clock.advance(11_000);
    expect(shouldRefetch(validator, payload)).toBe(false);
    expect(await validator.validate(payload, {})).toStrictEqual({ isValid: true });
  });

  it("treats Number.MAX_SAFE_INTEGER as a max age that never expires, even over a short default", async () => {
    const validator = stringClaim(1).validators.hasValue("pro", Number.MAX_SAFE_INTEGER);
    const payload = { plan: { v: "pro", t: 0 } };
    clock.advance(100 * 365 * 24 * 3600 * 1000);
    expect(shouldRefetch(validator, payload)).toBe(false);
    expect(await validator.validate(payload, {})).toStrictEqual({ isValid: true });
  });
});

describe("BooleanClaim validators", () => {
  const claim = new BooleanClaim({ key: "2fa-completed", fetchValue: () => false });
  const truePayload = { "2fa-completed": { v: true, t: T0 } };
  const falsePayload = { "2fa-completed": { v: false, t: T0 } };

  it("isTrue passes on true and fails on false with a wrong value reason", async () => {
    expect(await claim.validators.isTrue().validate(truePayload, {})).toStrictEqual({ isValid: true });
    expect(await claim.validators.isTrue().validate(falsePayload, {})).toStrictEqual({
      isValid: false,
      reason: { message: "wrong value", expectedValue: true, actualValue: false },
    });
  });

  it("isFalse passes on false and fails on true with a wrong value reason", async () => {
    expect(await claim.validators.isFalse().validate(falsePayload, {})).toStrictEqual({ isValid: true });
    expect(await claim.validators.isFalse().validate(truePayload, {})).toStrictEqual({
      isValid: false,
      reason: { message: "wrong value", expectedValue: false, actualValue: true },
    });
  });

  it("isTrue and isFalse fail a missing value with the hasValue reason", async () => {
    expect(await claim.validators.isTrue().validate({}, {})).toStrictEqual({
      isValid: false,
      reason: { message: "value does not exist", expectedValue: true, actualValue: undefined },
    });
    expect(await claim.validators.isFalse().validate({}, {})).toStrictEqual({
      isValid: false,
      reason: { message: "value does not exist", expectedValue: false, actualValue: undefined },
    });
  });

  it("isTrue and isFalse honour their max age and id arguments", async () => {
    const isTrue = claim.validators.isTrue(5, "fresh-2fa");
    const isFalse = claim.validators.isFalse(5, "fresh-no-2fa");
    expect([isTrue.id, isFalse.id]).toStrictEqual(["fresh-2fa", "fresh-no-2fa"]);
    clock.advance(6_000);
    expect(shouldRefetch(isTrue, truePayload)).toBe(true);
    expect(await isFalse.validate(falsePayload, {})).toStrictEqual({
      isValid: false,
      reason: { message: "expired", ageInSeconds: 6, maxAgeInSeconds: 5 },
    });
  });

  it("keeps validators usable after being taken off the claim", async () => {
    const { isTrue } = claim.validators;
    expect(await isTrue().validate(truePayload, {})).toStrictEqual({ isValid: true });
  });
});

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixedClock, setActiveClock, systemClock } from "../../../core/clock.js";
import { PrimitiveArrayClaim } from "./primitive-array.js";
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

function roleClaim(defaultMaxAgeInSeconds?: number) {
  return new PrimitiveArrayClaim<string>({ key: "roles", fetchValue: () => ["admin"], defaultMaxAgeInSeconds });
}

const roles = (...values: string[]) => ({ roles: { v: values, t: T0 } });

describe("PrimitiveArrayClaim payload methods", () => {
  it("stores the array with the current clock time as { v, t }", async () => {
    expect(await roleClaim().build("u1", "u1", "public", {})).toStrictEqual({ roles: { v: ["admin"], t: T0 } });
    expect(roleClaim().getValueFromPayload(roles("a", "b"))).toStrictEqual(["a", "b"]);
    expect(roleClaim().getLastRefetchTime(roles("a"))).toBe(T0);
  });

  it("removes by merge with null and removes from a copy", () => {
    expect(roleClaim().removeFromPayloadByMerge_internal(roles("a"))).toStrictEqual({ roles: null });
    expect(roleClaim().removeFromPayload({ ...roles("a"), x: 1 })).toStrictEqual({ x: 1 });
  });
});

describe("PrimitiveArrayClaim.validators.includes", () => {
  it("passes when the array contains the value", async () => {
    expect(await roleClaim().validators.includes("admin").validate(roles("user", "admin"), {})).toStrictEqual({
      isValid: true,
    });
  });

  it("fails with expectedToInclude when the value is absent", async () => {
    expect(await roleClaim().validators.includes("admin").validate(roles("user"), {})).toStrictEqual({
      isValid: false,
      reason: { message: "wrong value", expectedToInclude: "admin", actualValue: ["user"] },
    });
  });

  it("fails a missing array with expectedToInclude", async () => {
    expect(await roleClaim().validators.includes("admin").validate({}, {})).toStrictEqual({
      isValid: false,
      reason: { message: "value does not exist", expectedToInclude: "admin", actualValue: undefined },
    });
  });
});

describe("PrimitiveArrayClaim.validators.excludes", () => {
  it("passes when the array lacks the value", async () => {
    expect(await roleClaim().validators.excludes("banned").validate(roles("user"), {})).toStrictEqual({
      isValid: true,
    });
  });

  it("fails with expectedToNotInclude when the value is present", async () => {
    expect(await roleClaim().validators.excludes("banned").validate(roles("banned"), {})).toStrictEqual({
      isValid: false,
      reason: { message: "wrong value", expectedToNotInclude: "banned", actualValue: ["banned"] },
    });
  });

  it("fails a missing array with expectedToNotInclude", async () => {
    expect(await roleClaim().validators.excludes("banned").validate({}, {})).toStrictEqual({
      isValid: false,
      reason: { message: "value does not exist", expectedToNotInclude: "banned", actualValue: undefined },
    });
  });
});

describe("PrimitiveArrayClaim.validators.includesAll", () => {
  it("passes when every value is present", async () => {
    const validator = roleClaim().validators.includesAll(["a", "b"]);
    expect(await validator.validate(roles("b", "c", "a"), {})).toStrictEqual({ isValid: true });
  });

  it("fails with expectedToInclude listing all values when one is absent", async () => {
    expect(await roleClaim().validators.includesAll(["a", "b"]).validate(roles("a"), {})).toStrictEqual({
      isValid: false,
      reason: { message: "wrong value", expectedToInclude: ["a", "b"], actualValue: ["a"] },
    });
  });

  it("passes an empty list against any stored array, even an empty one", async () => {
    expect(await roleClaim().validators.includesAll([]).validate(roles(), {})).toStrictEqual({ isValid: true });
  });

  it("still fails an empty list when the array is missing", async () => {
    expect(await roleClaim().validators.includesAll([]).validate({}, {})).toStrictEqual({
      isValid: false,
      reason: { message: "value does not exist", expectedToInclude: [], actualValue: undefined },
    });
  });

  it("is not affected by later changes to the list it was given", async () => {
    const wanted = ["a"];
    const validator = roleClaim().validators.includesAll(wanted);
    wanted.push("z");
    expect(await validator.validate(roles("a"), {})).toStrictEqual({ isValid: true });
  });
});

describe("PrimitiveArrayClaim.validators.includesAny", () => {
  it("passes when at least one value is present", async () => {
    expect(await roleClaim().validators.includesAny(["x", "b"]).validate(roles("a", "b"), {})).toStrictEqual({
      isValid: true,
    });
  });

  it("fails with expectedToIncludeAtLeastOneOf when none is present", async () => {
    expect(await roleClaim().validators.includesAny(["x", "y"]).validate(roles("a"), {})).toStrictEqual({
      isValid: false,
      reason: { message: "wrong value", expectedToIncludeAtLeastOneOf: ["x", "y"], actualValue: ["a"] },
    });
  });

  it("fails a missing array with expectedToNotInclude, as supertokens-node does", async () => {
    expect(await roleClaim().validators.includesAny(["x", "y"]).validate({}, {})).toStrictEqual({
      isValid: false,
      reason: { message: "value does not exist", expectedToNotInclude: ["x", "y"], actualValue: undefined },
    });
  });
});

describe("PrimitiveArrayClaim.validators.excludesAll", () => {
  it("passes when none of the values is present", async () => {
    expect(await roleClaim().validators.excludesAll(["x", "y"]).validate(roles("a"), {})).toStrictEqual({
      isValid: true,
    });
  });

  it("fails with expectedToNotInclude when any value is present", async () => {
    expect(await roleClaim().validators.excludesAll(["x", "y"]).validate(roles("a", "y"), {})).toStrictEqual({
      isValid: false,
      reason: { message: "wrong value", expectedToNotInclude: ["x", "y"], actualValue: ["a", "y"] },
    });
  });

  it("fails a missing array with expectedToNotInclude", async () => {
    expect(await roleClaim().validators.excludesAll(["x"]).validate({}, {})).toStrictEqual({
      isValid: false,
      reason: { message: "value does not exist", expectedToNotInclude: ["x"], actualValue: undefined },
    });
  });
});

describe("PrimitiveArrayClaim refetch and max age", () => {
  const factories = (claim: PrimitiveArrayClaim<string>, maxAge?: number): SessionClaimValidator[] => [
    claim.validators.includes("a", maxAge),
    claim.validators.excludes("z", maxAge),
    claim.validators.includesAll(["a"], maxAge),
    claim.validators.includesAny(["a"], maxAge),
    claim.validators.excludesAll(["z"], maxAge),
  ];

  it("uses the claim key as id unless an id is given", () => {
    expect(roleClaim().validators.includes("a").id).toBe("roles");
    expect(roleClaim().validators.excludesAll(["a"], undefined, "no-a").id).toBe("no-a");
  });

  it("asks every factory's validator for a refetch when the array is missing", () => {
    for (const validator of factories(roleClaim())) expect(shouldRefetch(validator, {})).toBe(true);
  });

  it("without a max age, keeps an old array valid and never refetches it", async () => {
    clock.advance(10 * 365 * 24 * 3600 * 1000);
    for (const validator of factories(roleClaim())) {
      expect(shouldRefetch(validator, roles("a"))).toBe(false);
      expect(await validator.validate(roles("a"), {})).toStrictEqual({ isValid: true });
    }
  });

  it("refetches and reports expired once the clock moves past the max age", async () => {
    clock.advance(30_001);
    for (const validator of factories(roleClaim(), 30)) {
      expect(shouldRefetch(validator, roles("a"))).toBe(true);
      expect(await validator.validate(roles("a"), {})).toStrictEqual({
        isValid: false,
        reason: { message: "expired", ageInSeconds: 30.001, maxAgeInSeconds: 30 },
      });
    }
  });

  it("falls back to defaultMaxAgeInSeconds and lets a per-validator max age override it", () => {
    clock.advance(20_000);
    for (const validator of factories(roleClaim(10))) expect(shouldRefetch(validator, roles("a"))).toBe(true);
    for (const validator of factories(roleClaim(10), 60)) expect(shouldRefetch(validator, roles("a"))).toBe(false);
  });

  it("treats Number.MAX_SAFE_INTEGER as a max age that never expires", async () => {
    clock.advance(100 * 365 * 24 * 3600 * 1000);
    for (const validator of factories(roleClaim(1), Number.MAX_SAFE_INTEGER)) {
      expect(shouldRefetch(validator, roles("a"))).toBe(false);
      expect(await validator.validate(roles("a"), {})).toStrictEqual({ isValid: true });
    }
  });
});

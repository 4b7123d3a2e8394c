import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixedClock, setActiveClock, systemClock } from "../../core/clock.js";
import { ConfigError } from "../../core/errors.js";
import { MultiFactorAuthClaim } from "./claim.js";

const T0 = 1_700_000_000_000;
const T0_S = T0 / 1000;
let clock: ReturnType<typeof fixedClock>;

beforeEach(() => {
  clock = fixedClock(T0);
  setActiveClock(clock);
});
afterEach(() => {
  setActiveClock(systemClock);
});

const mfa = (c: Record<string, number>, v = true) => ({ "st-mfa": { c, v } });

describe("MultiFactorAuthClaim.validators.hasCompletedFactorWithin", () => {
  const within = MultiFactorAuthClaim.validators.hasCompletedFactorWithin("totp", 300);

  it("has the id st-mfa unless given one, and refetches only a missing claim", async () => {
    expect(within.id).toBe("st-mfa");
    expect(MultiFactorAuthClaim.validators.hasCompletedFactorWithin("totp", 300, "payment-totp").id).toBe("payment-totp");
    expect(within.claim).toBe(MultiFactorAuthClaim);
    expect(await within.shouldRefetch?.({}, {})).toBe(true);
    clock.advance(3_600_000);
    expect(await within.shouldRefetch?.(mfa({ totp: T0_S }), {})).toBe(false);
  });

  it("passes up to the limit and then names the factor, its age and the limit", async () => {
    clock.advance(300_999);
    expect(await within.validate(mfa({ totp: T0_S }), {})).toEqual({ isValid: true });
    clock.advance(1);
    expect(await within.validate(mfa({ totp: T0_S }), {})).toEqual({
      isValid: false,
      reason: { message: "factor not completed recently enough", factorId: "totp", ageInSeconds: 301, maxAgeInSeconds: 300 },
    });
  });

  it("names a factor that was never completed in the session, whatever v says", async () => {
    const reason = { message: "factor not completed", factorId: "totp" };
    expect(await within.validate(mfa({ emailpassword: T0_S }, true), {})).toEqual({ isValid: false, reason });
    expect(await within.validate({}, {})).toEqual({ isValid: false, reason });
  });

  it("reads a completion time in milliseconds (supertokens' legacy fallback) as well as seconds", async () => {
    clock.advance(60_000);
    expect(await within.validate(mfa({ totp: T0 }), {})).toEqual({ isValid: true });
    clock.advance(300_000);
    expect(await within.validate(mfa({ totp: T0 }), {})).toMatchObject({ isValid: false, reason: { ageInSeconds: 360 } });
  });

  it("counts a completion time slightly in the future (another instance's clock) as age 0", async () => {
    expect(await MultiFactorAuthClaim.validators.hasCompletedFactorWithin("totp", 0).validate(mfa({ totp: T0_S + 5 }), {})).toEqual({ isValid: true });
  });

  it("throws a ConfigError for a missing factor id or a max age that is not a number of seconds", () => {
    expect(() => MultiFactorAuthClaim.validators.hasCompletedFactorWithin("", 300)).toThrow(ConfigError);
    expect(() => MultiFactorAuthClaim.validators.hasCompletedFactorWithin("totp", -1)).toThrow(ConfigError);
    expect(() => MultiFactorAuthClaim.validators.hasCompletedFactorWithin("totp", Number.NaN)).toThrow(ConfigError);
    expect(() => MultiFactorAuthClaim.validators.hasCompletedFactorWithin("totp", "300" as never)).toThrow(ConfigError);
  });
});

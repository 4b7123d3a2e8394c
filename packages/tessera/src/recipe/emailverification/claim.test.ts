import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fixedClock, setActiveClock, systemClock } from "../../core/clock.js";
import type { JSONObject, SessionClaimValidator } from "../session/claims/index.js";
import { EmailVerificationClaim } from "./claim.js";

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

const ev = (v: boolean, t = T0) => ({ "st-ev": { v, t } });

describe("EmailVerificationClaim", () => {
  it("is the BooleanClaim st-ev, stored as { v, t }", () => {
    expect(EmailVerificationClaim.key).toBe("st-ev");
    expect(EmailVerificationClaim.addToPayload_internal({}, true)).toEqual(ev(true));
    expect(EmailVerificationClaim.getValueFromPayload(ev(false))).toBe(false);
  });

  it("keeps the boolean validators", () => {
    expect(EmailVerificationClaim.validators.isTrue().id).toBe("st-ev");
    expect(EmailVerificationClaim.validators.hasValue(false).validate(ev(false), {})).toEqual({ isValid: true });
  });
});

describe("EmailVerificationClaim.validators.isVerified", () => {
  it("has the id st-ev unless given one, and carries the claim", () => {
    expect(EmailVerificationClaim.validators.isVerified().id).toBe("st-ev");
    expect(EmailVerificationClaim.validators.isVerified(10, undefined, "mine").id).toBe("mine");
    expect(EmailVerificationClaim.validators.isVerified().claim).toBe(EmailVerificationClaim);
  });

  it("passes true and fails false or missing with the hasValue(true) reasons", async () => {
    const validator = EmailVerificationClaim.validators.isVerified();
    expect(await validator.validate(ev(true), {})).toEqual({ isValid: true });
    expect(await validator.validate(ev(false), {})).toEqual({ isValid: false, reason: { message: "wrong value", expectedValue: true, actualValue: false } });
    const missing = await validator.validate({}, {});
    expect(missing).toEqual({ isValid: false, reason: { message: "value does not exist", expectedValue: true, actualValue: undefined } });
    // On the wire the undefined actualValue disappears, as node's 403 test expects.
    expect(JSON.parse(JSON.stringify(missing))).toEqual({ isValid: false, reason: { message: "value does not exist", expectedValue: true } });
  });

  it("refetches a missing value", async () => {
    expect(await shouldRefetch(EmailVerificationClaim.validators.isVerified(), {})).toBe(true);
  });

  it("refetches false only once it is older than refetchTimeOnFalseInSeconds (default 10)", async () => {
    const validator = EmailVerificationClaim.validators.isVerified();
    clock.advance(10_000);
    expect(await shouldRefetch(validator, ev(false))).toBe(false);
    clock.advance(1);
    expect(await shouldRefetch(validator, ev(false))).toBe(true);
    expect(await shouldRefetch(EmailVerificationClaim.validators.isVerified(60), ev(false))).toBe(false);
  });

  it("never refetches true on age alone without maxAgeInSeconds", async () => {
    clock.advance(365 * 24 * 3600 * 1000);
    expect(await shouldRefetch(EmailVerificationClaim.validators.isVerified(), ev(true))).toBe(false);
  });

  it("refetches any value older than maxAgeInSeconds, and reports it expired if it stays old", async () => {
    const validator = EmailVerificationClaim.validators.isVerified(10, 300);
    clock.advance(300_000);
    expect(await shouldRefetch(validator, ev(true))).toBe(false);
    expect(await validator.validate(ev(true), {})).toEqual({ isValid: true });
    clock.advance(1_000);
    expect(await shouldRefetch(validator, ev(true))).toBe(true);
    expect(await validator.validate(ev(true), {})).toEqual({ isValid: false, reason: { message: "expired", ageInSeconds: 301, maxAgeInSeconds: 300 } });
  });
});

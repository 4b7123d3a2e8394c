import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fixedClock, setActiveClock, systemClock } from "../../../core/clock.js";
import { BooleanClaim } from "./boolean.js";
import { PrimitiveArrayClaim } from "./primitive-array.js";
import { PrimitiveClaim } from "./primitive.js";
import type { SessionClaimValidator } from "./types.js";
import { resolveValidators, validateClaims } from "./validate.js";

const T0 = 1_700_000_000_000;
let clock: ReturnType<typeof fixedClock>;

beforeEach(() => {
  clock = fixedClock(T0);
  setActiveClock(clock);
});
afterEach(() => {
  setActiveClock(systemClock);
});

const ids = { userId: "u1", recipeUserId: "ru1", tenantId: "t1" };

describe("validateClaims", () => {
  it("fails the seed's 2fa claim with a wrong value after refetching it", async () => {
    const SecondFactorClaim = new BooleanClaim({ key: "2fa-completed", fetchValue: () => false });
    const payload = { sub: "u1" };
    const result = await validateClaims({ payload, validators: [SecondFactorClaim.validators.hasValue(true)], ...ids });
    expect(result).toStrictEqual({
      invalidClaims: [
        { id: "2fa-completed", reason: { message: "wrong value", expectedValue: true, actualValue: false } },
      ],
      accessTokenPayloadUpdate: { sub: "u1", "2fa-completed": { v: false, t: T0 } },
    });
  });

  it("refetches a missing value, returns the whole updated payload and passes", async () => {
    const claim = new BooleanClaim({ key: "ev", fetchValue: () => true });
    const payload = { sub: "u1", other: { a: 1 } };
    const result = await validateClaims({ payload, validators: [claim.validators.isTrue()], ...ids });
    expect(result).toStrictEqual({
      invalidClaims: [],
      accessTokenPayloadUpdate: { sub: "u1", other: { a: 1 }, ev: { v: true, t: T0 } },
    });
    expect(payload).toStrictEqual({ sub: "u1", other: { a: 1 } });
  });

  it("passes user ids, tenant id, current payload and user context to fetchValue", async () => {
    const fetchValue = vi.fn(() => true);
    const claim = new BooleanClaim({ key: "ev", fetchValue });
    const userContext = { requestId: "r1" };
    await validateClaims({ payload: { a: 1 }, validators: [claim.validators.isTrue()], ...ids, userContext });
    expect(fetchValue).toHaveBeenCalledWith("u1", "ru1", "t1", { a: 1 }, userContext);
  });

  it("takes the tenant from the payload's tId, then 'public', when none is given", async () => {
    const fetchValue = vi.fn(() => true);
    const validators = [new BooleanClaim({ key: "ev", fetchValue }).validators.isTrue()];
    await validateClaims({ payload: { tId: "acme" }, validators, userId: "u1", recipeUserId: "u1" });
    await validateClaims({ payload: {}, validators, userId: "u1", recipeUserId: "u1" });
    expect(fetchValue.mock.calls.map((call: unknown[]) => call[2])).toStrictEqual(["acme", "public"]);
  });

  it("awaits an async fetchValue", async () => {
    const claim = new PrimitiveArrayClaim<string>({ key: "roles", fetchValue: async () => ["admin"] });
    const result = await validateClaims({ payload: {}, validators: [claim.validators.includes("admin")], ...ids });
    expect(result).toStrictEqual({
      invalidClaims: [],
      accessTokenPayloadUpdate: { roles: { v: ["admin"], t: T0 } },
    });
  });

  it("leaves the payload unchanged and returns no update when fetchValue gives undefined", async () => {
    const claim = new BooleanClaim({ key: "ev", fetchValue: () => undefined });
    const result = await validateClaims({ payload: { a: 1 }, validators: [claim.validators.isTrue()], ...ids });
    expect(result).toStrictEqual({
      invalidClaims: [{ id: "ev", reason: { message: "value does not exist", expectedValue: true, actualValue: undefined } }],
    });
  });

  it("reports a stale value as expired when its refetch gives undefined", async () => {
    const claim = new BooleanClaim({ key: "ev", fetchValue: () => undefined });
    clock.advance(90_000);
    const payload = { ev: { v: true, t: T0 } };
    const result = await validateClaims({ payload, validators: [claim.validators.isTrue(60)], ...ids });
    expect(result).toStrictEqual({
      invalidClaims: [{ id: "ev", reason: { message: "expired", ageInSeconds: 90, maxAgeInSeconds: 60 } }],
    });
  });

  it("refetches a value older than the max age once the clock moves past it, and then passes", async () => {
    const fetchValue = vi.fn(() => true);
    const claim = new BooleanClaim({ key: "ev", fetchValue, defaultMaxAgeInSeconds: 60 });
    const payload = { ev: { v: true, t: T0 } };
    clock.advance(60_000);
    expect(await validateClaims({ payload, validators: [claim.validators.isTrue()], ...ids })).toStrictEqual({
      invalidClaims: [],
    });
    expect(fetchValue).not.toHaveBeenCalled();
    clock.advance(1);
    expect(await validateClaims({ payload, validators: [claim.validators.isTrue()], ...ids })).toStrictEqual({
      invalidClaims: [],
      accessTokenPayloadUpdate: { ev: { v: true, t: T0 + 60_001 } },
    });
    expect(fetchValue).toHaveBeenCalledTimes(1);
  });

  it("does not refetch an old value when no max age applies", async () => {
    const fetchValue = vi.fn(() => false);
    const claim = new BooleanClaim({ key: "ev", fetchValue });
    clock.advance(365 * 24 * 3600 * 1000);
    const result = await validateClaims({ payload: { ev: { v: true, t: T0 } }, validators: [claim.validators.isTrue()], ...ids });
    expect(result).toStrictEqual({ invalidClaims: [] });
    expect(fetchValue).not.toHaveBeenCalled();
  });

  it("lets later validators see a value refetched for an earlier one", async () => {
    const fetchValue = vi.fn(() => "pro");
    const claim = new PrimitiveClaim<string>({ key: "plan", fetchValue });
    const seen: unknown[] = [];
    const reader: SessionClaimValidator = {
      id: "reader",
      validate: (payload) => {
        seen.push(payload.plan);
        return { isValid: true };
      },
    };
    const result = await validateClaims({
      payload: {},
      validators: [claim.validators.hasValue("pro"), claim.validators.hasValue("pro", undefined, "again"), reader],
      ...ids,
    });
    expect(fetchValue).toHaveBeenCalledTimes(1);
    expect(seen).toStrictEqual([{ v: "pro", t: T0 }]);
    expect(result.invalidClaims).toStrictEqual([]);
  });

  it("hands each refetch the payload as updated by the refetches before it", async () => {
    const first = new PrimitiveClaim<string>({ key: "first", fetchValue: () => "one" });
    const secondFetch = vi.fn((..._args: unknown[]) => "two");
    const second = new PrimitiveClaim<string>({ key: "second", fetchValue: secondFetch });
    await validateClaims({
      payload: {},
      validators: [first.validators.hasValue("one"), second.validators.hasValue("two")],
      ...ids,
    });
    expect(secondFetch.mock.calls[0]?.[3]).toStrictEqual({ first: { v: "one", t: T0 } });
  });

  it("runs every validator and collects all failures in validator order", async () => {
    const a = new BooleanClaim({ key: "a", fetchValue: () => false });
    const b = new BooleanClaim({ key: "b", fetchValue: () => true });
    const custom = vi.fn(() => ({ isValid: false as const, reason: "testReason" }));
    const result = await validateClaims({
      payload: {},
      validators: [
        a.validators.isTrue(),
        b.validators.isTrue(),
        { id: "custom", validate: custom },
        { id: "no-reason", validate: () => ({ isValid: false }) },
      ],
      ...ids,
    });
    expect(custom).toHaveBeenCalledTimes(1);
    expect(result.invalidClaims).toStrictEqual([
      { id: "a", reason: { message: "wrong value", expectedValue: true, actualValue: false } },
      { id: "custom", reason: "testReason" },
      { id: "no-reason" },
    ]);
  });

  it("returns no update when nothing was refetched", async () => {
    const claim = new BooleanClaim({ key: "ev", fetchValue: () => true });
    const result = await validateClaims({ payload: { ev: { v: true, t: T0 } }, validators: [claim.validators.isTrue()], ...ids });
    expect(result).toStrictEqual({ invalidClaims: [] });
  });

  it("returns no update when a refetch writes back an identical payload", async () => {
    const claim = new BooleanClaim({ key: "ev", fetchValue: () => true });
    const alwaysRefetch: SessionClaimValidator = {
      id: "ev",
      claim,
      shouldRefetch: () => true,
      validate: () => ({ isValid: true }),
    };
    const result = await validateClaims({ payload: { ev: { v: true, t: T0 } }, validators: [alwaysRefetch], ...ids });
    expect(result).toStrictEqual({ invalidClaims: [] });
  });

  it("never refetches for a validator without a claim", async () => {
    // A stray shouldRefetch without a claim (outside the type) must still be ignored.
    const shouldRefetch = vi.fn(() => true);
    const validator = { id: "plain", shouldRefetch, validate: () => ({ isValid: true as const }) };
    const result = await validateClaims({
      payload: {},
      validators: [validator as unknown as SessionClaimValidator],
      ...ids,
    });
    expect(result).toStrictEqual({ invalidClaims: [] });
    expect(shouldRefetch).not.toHaveBeenCalled();
  });

  it("awaits an async shouldRefetch and an async validate", async () => {
    const claim = new BooleanClaim({ key: "ev", fetchValue: () => true });
    const validator: SessionClaimValidator = {
      id: "async",
      claim,
      shouldRefetch: async () => true,
      validate: async (payload) => (claim.getValueFromPayload(payload) ? { isValid: true } : { isValid: false }),
    };
    expect((await validateClaims({ payload: {}, validators: [validator], ...ids })).invalidClaims).toStrictEqual([]);
  });
});

describe("resolveValidators", () => {
  const claim = new BooleanClaim({ key: "ev", fetchValue: () => true });
  const global = [claim.validators.isTrue()];
  const session = { handle: "h1" };

  it("returns the global validators when there is no override", async () => {
    expect(await resolveValidators(global, undefined, session, {})).toStrictEqual(global);
  });

  it("replaces the list with what a sync override returns, given the global list, session and context", async () => {
    const extra = claim.validators.isFalse();
    const userContext = { requestId: "r1" };
    const override = vi.fn(() => [extra]);
    expect(await resolveValidators(global, override, session, userContext)).toStrictEqual([extra]);
    expect(override).toHaveBeenCalledWith(global, session, userContext);
  });

  it("awaits an async override", async () => {
    expect(await resolveValidators(global, async (list) => [...list, ...list], session, {})).toHaveLength(2);
  });

  it("lets an override drop every validator", async () => {
    expect(await resolveValidators(global, () => [], session, {})).toStrictEqual([]);
  });
});

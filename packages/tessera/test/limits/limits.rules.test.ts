/**
 * The limiter's rules without HTTP: what a counter means under each rule (core/limits.ts
 * `evaluate`), the configuration checks, and which client address is counted (ASVS 15.3.4).
 */
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/core/errors.js";
import type { HttpRequest } from "../../src/core/http.js";
import { addressBucket, clientAddress, evaluate, getLimits, normaliseLimitsConfig, setActiveLimits, type LimitRule } from "../../src/core/limits.js";
import type { LimitCounterRow } from "../../src/core/storage.js";

const T = 1_000_000_000_000;
const MINUTE = 60_000;
const row = (failures: number, firstAt: number, lastAt = firstAt): LimitCounterRow => ({ key: "k", failures, firstAt, lastAt, version: 1 });

describe("evaluate", () => {
  const { account, secondFactor, address } = normaliseLimitsConfig();

  it("has the documented defaults", () => {
    expect(account).toMatchObject({ max: 10, lockMs: 15 * MINUTE, maxLockMs: 24 * 60 * MINUTE, escalate: true, hardMax: 100 });
    expect(secondFactor).toMatchObject({ max: 5, lockMs: 15 * MINUTE, escalate: false });
    expect(address.signIn).toMatchObject({ max: 100, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE });
    expect(address.signUp).toMatchObject({ max: 50, windowMs: 60 * MINUTE });
    expect(address.passwordResetToken).toMatchObject({ max: 20, windowMs: 60 * MINUTE });
    expect(address.emailExists).toMatchObject({ max: 100, windowMs: 15 * MINUTE });
  });

  it("account: open below the limit, locked at it, and each further failure doubles the lock up to a day", () => {
    const rule = account as LimitRule;
    expect(evaluate(null, rule, T)).toEqual({ open: true, run: 0 });
    expect(evaluate(row(9, T - 10 * 24 * 60 * MINUTE, T), rule, T + 1)).toEqual({ open: true, run: 9 });
    expect(evaluate(row(10, T), rule, T + 1)).toEqual({ open: false, retryAfterMs: 15 * MINUTE - 1 });
    expect(evaluate(row(10, T), rule, T + 15 * MINUTE)).toEqual({ open: true, run: 10 });
    expect(evaluate(row(11, T), rule, T)).toEqual({ open: false, retryAfterMs: 30 * MINUTE });
    expect(evaluate(row(13, T), rule, T)).toEqual({ open: false, retryAfterMs: 120 * MINUTE });
    expect(evaluate(row(30, T), rule, T)).toEqual({ open: false, retryAfterMs: 24 * 60 * MINUTE });
    // NIST's bound: at 100 consecutive failures, locked however long ago the last one was.
    expect(evaluate(row(100, T), rule, T + 10 * 365 * 24 * 60 * MINUTE).open).toBe(false);
  });

  it("second factor: a fresh budget after the lock, and failures older than one cooldown no longer count", () => {
    expect(evaluate(row(5, T), secondFactor, T + 15 * MINUTE - 1)).toEqual({ open: false, retryAfterMs: 1 });
    expect(evaluate(row(5, T), secondFactor, T + 15 * MINUTE)).toEqual({ open: true, run: 0 });
    expect(evaluate(row(4, T - 20 * MINUTE, T), secondFactor, T + 14 * MINUTE)).toEqual({ open: true, run: 4 });
    expect(evaluate(row(4, T), secondFactor, T + 15 * MINUTE)).toEqual({ open: true, run: 0 });
  });

  it("address: a fixed window from the run's first event", () => {
    const rule = address.signUp as LimitRule;
    expect(evaluate(row(49, T, T + 59 * MINUTE), rule, T + 59 * MINUTE)).toEqual({ open: true, run: 49 });
    expect(evaluate(row(49, T, T + 59 * MINUTE), rule, T + 60 * MINUTE)).toEqual({ open: true, run: 0 });
    expect(evaluate(row(50, T, T + 59 * MINUTE), rule, T + 60 * MINUTE)).toEqual({ open: false, retryAfterMs: 59 * MINUTE });
  });
});

describe("normaliseLimitsConfig", () => {
  it("switches limits off with false, except the second factor", () => {
    const limits = normaliseLimitsConfig({ account: false, address: { signIn: false } });
    expect(limits.account).toBeUndefined();
    expect(limits.address.signIn).toBeUndefined();
    expect(limits.address.signUp).toBeDefined();
    expect(() => normaliseLimitsConfig({ secondFactor: false as never })).toThrow(ConfigError);
  });

  for (const bad of [
    { account: { maxFailures: 0 } },
    { account: { maxFailures: 101 } },
    { account: { maxConsecutiveFailures: 101 } },
    { account: { maxFailures: 20, maxConsecutiveFailures: 10 } },
    { account: { lockSeconds: 600, maxLockSeconds: 60 } },
    { secondFactor: { maxFailures: 1.5 } },
    { address: { signUp: { max: -1 } } },
    { address: "none" },
    { trustProxy: -1 },
    { trustProxy: "loopback" },
  ]) {
    it(`refuses ${JSON.stringify(bad)}`, () => expect(() => normaliseLimitsConfig(bad as never)).toThrow(ConfigError));
  }
});

describe("clientAddress", () => {
  afterEach(() => setActiveLimits());
  const request = (remoteAddress: string | undefined, forwarded?: string): HttpRequest => ({
    method: "POST",
    path: "/auth/signin",
    query: new URLSearchParams(),
    getHeader: (name) => (name === "x-forwarded-for" ? forwarded : undefined),
    getCookieValues: () => [],
    getJSONBody: async () => ({}),
    remoteAddress,
    original: undefined,
  });

  it("uses the socket and never X-Forwarded-For by default", () => {
    expect(clientAddress(request("10.0.0.5", "1.2.3.4"))).toBe("10.0.0.5");
    expect(clientAddress(request("::ffff:10.0.0.5"))).toBe("10.0.0.5");
  });

  it("gives none when the adapter gives none, so the per-address limits are skipped", () => {
    expect(clientAddress(request(undefined, "1.2.3.4"))).toBeUndefined();
  });

  it("walks as many hops as trustProxy says, from the right", () => {
    const one = normaliseLimitsConfig({ trustProxy: 1 });
    const two = normaliseLimitsConfig({ trustProxy: 2 });
    expect(clientAddress(request("10.0.0.1", "6.6.6.6, 203.0.113.7"), one)).toBe("203.0.113.7");
    expect(clientAddress(request("10.0.0.1", "203.0.113.7, 10.0.0.2"), two)).toBe("203.0.113.7");
    // Fewer hops than trusted proxies: the leftmost is the best there is.
    expect(clientAddress(request("10.0.0.1", "203.0.113.7"), two)).toBe("203.0.113.7");
    expect(clientAddress(request("10.0.0.1"), one)).toBe("10.0.0.1");
    // A non-address where an address should be: the last trusted hop is counted instead.
    expect(clientAddress(request("10.0.0.1", "not-an-ip"), one)).toBe("10.0.0.1");
  });

  it("takes a function that trusts hops by address", () => {
    const limits = normaliseLimitsConfig({ trustProxy: (address) => address.startsWith("10.") });
    expect(clientAddress(request("10.0.0.1", "6.6.6.6, 203.0.113.7, 10.0.0.2"), limits)).toBe("203.0.113.7");
  });

  it("counts an IPv6 client by its /64", () => {
    expect(addressBucket("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(addressBucket("2001:db8:1:2:ffff::1")).toBe("2001:db8:1:2::/64");
    expect(addressBucket("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressBucket("::1")).toBe("0:0:0:0::/64");
    expect(addressBucket("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(addressBucket("203.0.113.7")).toBe("203.0.113.7");
  });

  it("reads the active limits set at init", () => {
    setActiveLimits({ trustProxy: 1 });
    expect(clientAddress(request("10.0.0.1", "203.0.113.9"))).toBe("203.0.113.9");
    expect(getLimits().proxyUntrusted).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { copyJSON, VerifiedTokenCache } from "./verified-cache.js";

describe("VerifiedTokenCache", () => {
  it("returns an entry only before its expiry, and forgets it at expiry", () => {
    const cache = new VerifiedTokenCache(10);
    cache.set("t", '{"sub":"u"}', 1000);
    expect(cache.get("t", 999)).toBe('{"sub":"u"}');
    expect(cache.get("t", 1000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("never holds more than its bound, evicting the oldest entry first", () => {
    const cache = new VerifiedTokenCache(3);
    for (const token of ["a", "b", "c", "d"]) cache.set(token, token, 10_000);
    expect(cache.size).toBe(3);
    expect(cache.get("a", 0)).toBeUndefined();
    expect(cache.get("d", 0)).toBe("d");
  });

  it("answers only for the exact token, also when another token ends with the same characters", () => {
    const cache = new VerifiedTokenCache(10);
    const suffix = "s".repeat(40);
    cache.set(`a.b.${suffix}`, "first", 10_000);
    expect(cache.get(`x.b.${suffix}`, 0)).toBeUndefined();
    expect(cache.get(`a.b.${suffix}`, 0)).toBe("first");
    cache.set(`x.b.${suffix}`, "second", 10_000);
    expect(cache.get(`x.b.${suffix}`, 0)).toBe("second");
    expect(cache.get(`a.b.${suffix}`, 0)).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it("stores nothing when its size is 0", () => {
    const cache = new VerifiedTokenCache(0);
    cache.set("t", "{}", 10_000);
    expect(cache.get("t", 0)).toBeUndefined();
  });
});

describe("copyJSON", () => {
  it("copies deeply: changing the copy at any depth leaves the original as it was", () => {
    const original = { a: { b: [1, { c: "x" }] }, d: null, e: true, f: 1.5 };
    const copy = copyJSON(original);
    expect(copy).toStrictEqual(original);
    (copy.a.b[1] as { c: string }).c = "changed";
    copy.a.b.push(2);
    expect(original).toStrictEqual({ a: { b: [1, { c: "x" }] }, d: null, e: true, f: 1.5 });
  });

  it("keeps a __proto__ key as an own property, as JSON.parse does", () => {
    const parsed = JSON.parse('{"__proto__":{"polluted":true},"k":1}') as Record<string, unknown>;
    const copy = copyJSON(parsed);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(parsed));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import { VerifiedTokenCache } from "./verified-cache.js";

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

  it("stores nothing when its size is 0", () => {
    const cache = new VerifiedTokenCache(0);
    cache.set("t", "{}", 10_000);
    expect(cache.get("t", 0)).toBeUndefined();
  });
});

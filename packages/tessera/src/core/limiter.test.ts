import { describe, expect, it } from "vitest";
import { createLimiter } from "./limiter.js";

/** A piece of work that finishes when the test says so. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("createLimiter", () => {
  it("runs at most `slots` pieces at once and starts the rest in arrival order", async () => {
    const limiter = createLimiter(2);
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    const results = gates.map((g, i) => limiter.run(async () => (started.push(i), await g.opened, i)));
    await settle();
    expect(started).toEqual([0, 1]);
    expect(limiter.running).toBe(2);
    gates[1]!.open();
    await results[1];
    await settle();
    expect(started).toEqual([0, 1, 2]);
    expect(limiter.running).toBe(2);
    for (const g of gates) g.open();
    expect(await Promise.all(results)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(limiter.running).toBe(0);
  });

  it("frees the slot of a piece that throws", async () => {
    const limiter = createLimiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(limiter.running).toBe(0);
    expect(await limiter.run(async () => "next")).toBe("next");
  });

  it("refuses a bound below one", () => {
    expect(() => createLimiter(0)).toThrow(RangeError);
    expect(() => createLimiter(1.5)).toThrow(RangeError);
  });
});

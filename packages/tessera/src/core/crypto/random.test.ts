import { describe, expect, it } from "vitest";
import { constantTimeEqual } from "./random.js";

// SEC-49: constant-time secret comparison (ASVS 11.2.4).
describe("constantTimeEqual", () => {
  it("is true for equal strings and equal buffers", () => {
    expect(constantTimeEqual("081804", "081804")).toBe(true);
    expect(constantTimeEqual(Buffer.from("081804"), Buffer.from("081804"))).toBe(true);
    expect(constantTimeEqual("", "")).toBe(true);
  });

  it("is false for different values of the same length", () => {
    expect(constantTimeEqual("081804", "081805")).toBe(false);
    expect(constantTimeEqual("081804", "181804")).toBe(false);
  });

  it("returns false without throwing for different lengths", () => {
    expect(() => constantTimeEqual("0818", "081804")).not.toThrow();
    expect(constantTimeEqual("0818", "081804")).toBe(false);
    expect(constantTimeEqual("081804", "")).toBe(false);
    expect(constantTimeEqual(Buffer.alloc(3), Buffer.alloc(64))).toBe(false);
  });

  it("compares non-ASCII input by its UTF-8 bytes", () => {
    expect(constantTimeEqual("pässwörd🔑", "pässwörd🔑")).toBe(true);
    expect(constantTimeEqual("pässwörd", "passwörd")).toBe(false);
    // "ä" is 2 bytes in UTF-8: same character count, different byte length.
    expect(constantTimeEqual("ä", "a")).toBe(false);
    expect(constantTimeEqual("ä", Buffer.from("ä", "utf8"))).toBe(true);
    // No normalisation happens here: NFC and NFD forms are different bytes.
    expect(constantTimeEqual("ä".normalize("NFC"), "ä".normalize("NFD"))).toBe(false);
  });
});

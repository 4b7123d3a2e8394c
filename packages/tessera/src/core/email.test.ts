import { describe, expect, it } from "vitest";
import { isValidEmail, normaliseEmail } from "./email.js";

describe("normaliseEmail", () => {
  it("trims surrounding whitespace, including Unicode spaces", () => {
    expect(normaliseEmail(" \t alice@example.com\u00a0\n")).toBe("alice@example.com");
  });

  it("lower-cases ASCII letters in the local part and the domain", () => {
    expect(normaliseEmail("Alice.Smith@Example.COM")).toBe("alice.smith@example.com");
  });

  it("composes to NFC, so NFD and NFC spellings are equal", () => {
    expect(normaliseEmail("jose\u0301@example.com")).toBe("jos\u00e9@example.com");
    expect(normaliseEmail("jos\u00e9@example.com")).toBe("jos\u00e9@example.com");
  });

  it("keeps the case of non-ASCII letters (no Unicode case folding)", () => {
    expect(normaliseEmail("\u00c9MILE@example.com")).toBe("\u00c9mile@example.com");
    expect(normaliseEmail("\u0130stanbul@example.com")).toBe("\u0130stanbul@example.com");
  });

  it("maps U+212A KELVIN SIGN only through its canonical equivalence to K", () => {
    expect(normaliseEmail("\u212Aate@example.com")).toBe("kate@example.com");
  });

  it("is idempotent", () => {
    const once = normaliseEmail("  J\u00d6RG.Jose\u0301@Example.COM ");
    expect(normaliseEmail(once)).toBe(once);
  });
});

describe("isValidEmail", () => {
  it.each(["alice@example.com", "a.b+tag@sub.example.co.uk", "o'brien@example.ie", "jos\u00e9@exampl\u00e9.com", "\u7528\u6237@\u4f8b\u5b50.\u5e7f\u544a", "user@xn--bcher-kva.example", "x@a-b.io"])(
    "accepts %s",
    (email) => {
      expect(isValidEmail(normaliseEmail(email))).toBe(true);
    },
  );

  it.each([
    ["no @", "alice.example.com"],
    ["an empty local part", "@example.com"],
    ["a domain without a dot", "alice@localhost"],
    ["a numeric top-level domain", "alice@1.2.3.4"],
    ["two @", "a@b@example.com"],
    ["a leading dot", ".alice@example.com"],
    ["two dots in a row", "al..ice@example.com"],
    ["a quoted local part", '"alice"@example.com'],
    ["a space", "ali ce@example.com"],
    ["angle brackets", "<alice@example.com>"],
    ["a NUL", "alice\u0000@example.com"],
    ["a DEL", "alice\u007f@example.com"],
    ["a C1 control", "alice\u0085@example.com"],
    ["a zero-width joiner", "ali\u200dce@example.com"],
    ["a bidi override", "\u202ealice@example.com"],
    ["a line separator", "alice\u2028@example.com"],
    ["a lone surrogate", "lone\ud800@example.com"],
    ["a lone low surrogate", "lone\udc00@example.com"],
    ["a domain label starting with a hyphen", "alice@-example.com"],
    ["a 65-character local part", `${"a".repeat(65)}@example.com`],
    ["more than 254 characters", `alice@${"a".repeat(250)}.com`],
  ])("refuses an email with %s", (_label, email) => {
    expect(isValidEmail(email)).toBe(false);
  });
});

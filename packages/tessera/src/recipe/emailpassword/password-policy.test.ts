import { describe, expect, it } from "vitest";
import { ConfigError } from "../../core/errors.js";
import { COMMON_PASSWORDS } from "./common-passwords.js";
import { makePasswordCheck } from "./password-policy.js";

const TOO_COMMON = "This password is too common: choose one that is harder to guess";

describe("password policy", () => {
  const check = makePasswordCheck();

  it("accepts 8 characters and refuses 7", async () => {
    expect(await check("mdkqvwzr", "public", {})).toBeUndefined();
    expect(await check("mdkqvwz", "public", {})).toBe("Password must be at least 8 characters long");
  });

  it("counts code points, not UTF-16 units", async () => {
    expect(await check("\u{1F642}".repeat(8), "public", {})).toBeUndefined();
    expect(await check("\u{1F642}".repeat(7), "public", {})).toBe("Password must be at least 8 characters long");
  });

  it("accepts 1024 characters and refuses 1025", async () => {
    expect(await check("ab".repeat(512), "public", {})).toBeUndefined();
    expect(await check(`${"ab".repeat(512)}c`, "public", {})).toBe("Password must be at most 1024 characters long");
  });

  // Found by a new-user trial: a lone surrogate hashed as U+FFFD, so "abcdefghijkl\ud800" and
  // "abcdefghijkl\ufffd" were one password.
  it("refuses a password with a lone surrogate, and accepts paired ones (emoji)", async () => {
    for (const password of ["abcdefghijkl\ud800", "\udc00abcdefghijkl"]) expect(await check(password, "public", {})).toBe("Password contains a character that is not valid text");
    expect(await check("abcdefghijkl\u{1F642}", "public", {})).toBeUndefined();
  });

  it("has no composition rules", async () => {
    for (const password of ["alllowercase", "ALLUPPERCASE", "1029384756", "spaces are fine", "\u00fc\u00f1\u00ee\u00e7\u00f8d\u00e9\u00e9"]) expect(await check(password, "public", {})).toBeUndefined();
  });

  it("refuses common passwords, compared exactly: no trimming or case change", async () => {
    expect(await check("password1234", "public", {})).toBe(TOO_COMMON);
    expect(await check(" password1234", "public", {})).toBeUndefined();
  });

  it("compares the NFKC form, the form that is hashed", async () => {
    expect(await check("\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44", "public", {})).toBe(TOO_COMMON);
  });

  it("ships at least 3000 common passwords, all of 8 characters or more, including the well-known ones", () => {
    expect(COMMON_PASSWORDS.size).toBeGreaterThanOrEqual(3000);
    for (const password of COMMON_PASSWORDS) expect([...password].length).toBeGreaterThanOrEqual(8);
    for (const password of ["password1234", "12345678", "qwertyuiop", "password", "iloveyou1"]) expect(COMMON_PASSWORDS.has(password)).toBe(true);
  });

  it("refuses the app's own block list", async () => {
    const withList = makePasswordCheck({ blockList: ["tessera-demo"] });
    expect(await withList("tessera-demo", "public", {})).toBe(TOO_COMMON);
  });

  it("runs the app's validate last, with the tenant", async () => {
    const withHook = makePasswordCheck({ validate: (password, tenantId) => (tenantId === "strict" && password.length < 15 ? "Use at least 15 characters" : undefined) });
    expect(await withHook("twelve chars", "strict", {})).toBe("Use at least 15 characters");
    expect(await withHook("twelve chars", "public", {})).toBeUndefined();
    expect(await withHook("short", "strict", {})).toBe("Password must be at least 8 characters long");
  });

  it("honours a longer minimum", async () => {
    expect(await makePasswordCheck({ minLength: 15 })("fourteen chars", "public", {})).toBe("Password must be at least 15 characters long");
  });

  it.each([
    ["a minimum below 8", { minLength: 7 }],
    ["a maximum below 64", { maxLength: 63 }],
    ["a maximum below the minimum", { minLength: 100, maxLength: 80 }],
    ["a fractional minimum", { minLength: 8.5 }],
  ])("throws at init for %s", (_label, config) => {
    expect(() => makePasswordCheck(config)).toThrow(ConfigError);
  });
});

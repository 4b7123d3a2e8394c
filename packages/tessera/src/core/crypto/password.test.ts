import { hash } from "@node-rs/argon2";
import { describe, expect, it } from "vitest";
import { hashPassword, needsRehash, verifyPassword } from "./password.js";

describe("password hashing", () => {
  it("round-trips with argon2id at OWASP's parameters and refuses a wrong password", async () => {
    const stored = await hashPassword("correct horse battery staple");
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(stored, "correct horse battery staple")).toBe(true);
    expect(await verifyPassword(stored, "correct horse battery stapl")).toBe(false);
    expect(await verifyPassword(stored, "")).toBe(false);
    expect(await needsRehash(stored)).toBe(false);
  });

  it("matches the NFC and NFD forms of the same password (NFKC normalisation)", async () => {
    const nfc = "päss wörd".normalize("NFC");
    const nfd = "päss wörd".normalize("NFD");
    expect(nfc).not.toBe(nfd);
    expect(await verifyPassword(await hashPassword(nfc), nfd)).toBe(true);
  });

  it("never matches a password with a lone surrogate, which would hash like U+FFFD", async () => {
    const stored = await hashPassword("abcdefghijkl\ufffd");
    expect(await verifyPassword(stored, "abcdefghijkl\ufffd")).toBe(true);
    expect(await verifyPassword(stored, "abcdefghijkl\ud800")).toBe(false);
    await expect(hashPassword("abcdefghijkl\ud800")).rejects.toThrow("not valid text");
  });

  it("hashes 128- and 1000-character passwords whole", async () => {
    const medium = "x".repeat(127) + "!";
    expect(await verifyPassword(await hashPassword(medium), medium)).toBe(true);
    const long = "y".repeat(999) + "1";
    const stored = await hashPassword(long);
    expect(await verifyPassword(stored, long)).toBe(true);
    expect(await verifyPassword(stored, "y".repeat(999) + "2")).toBe(false);
  });

  it("keeps the characters after the 72nd (no bcrypt-style truncation)", async () => {
    const stored = await hashPassword("a".repeat(72) + "X");
    expect(await verifyPassword(stored, "a".repeat(72) + "Y")).toBe(false);
    expect(await verifyPassword(stored, "a".repeat(72))).toBe(false);
  });

  it("returns false, without throwing, for a malformed hash or non-string input", async () => {
    for (const bad of ["", "not a hash", "$argon2id$v=19$m=19456,t=2,p=1$abc", "$2b$10$abcdefghijklmnopqrstuv"]) {
      await expect(verifyPassword(bad, "password")).resolves.toBe(false);
    }
    await expect(verifyPassword(null as any, "password")).resolves.toBe(false);
    await expect(verifyPassword("$argon2id$v=19$m=19456,t=2,p=1$abc", undefined as any)).resolves.toBe(false);
  });

  it("asks for a rehash when the parameters, the variant or the hash itself differ", async () => {
    const weaker = await hash("password", { algorithm: 2, memoryCost: 8192, timeCost: 2, parallelism: 1 });
    expect(await needsRehash(weaker)).toBe(true);
    expect(await verifyPassword(weaker, "password")).toBe(true);
    const argon2i = await hash("password", { algorithm: 1, memoryCost: 19456, timeCost: 2, parallelism: 1 });
    expect(await needsRehash(argon2i)).toBe(true);
    expect(await needsRehash("not a hash")).toBe(true);
  });
});

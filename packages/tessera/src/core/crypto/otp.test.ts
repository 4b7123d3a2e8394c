import { describe, expect, it } from "vitest";
import { base32Decode, base32Encode } from "./base32.js";
import { generateTotpSecret, hotp, otpauthURI, totpCode, totpStep, verifyTotp } from "./otp.js";

// Seeds from RFC 6238 Appendix A's reference code (security-cases.md §1.3).
const SHA1_SEED = Buffer.from("12345678901234567890", "ascii");
const SHA256_SEED = Buffer.from("12345678901234567890123456789012", "ascii");
const SHA512_SEED = Buffer.from("1234567890".repeat(6) + "1234", "ascii");

const T0 = 1111111109 * 1000; // step 37037036, the §2 fixture time

describe("hotp", () => {
  // RFC 4226 Appendix D.
  const vectors = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];

  it.each(vectors.map((code, count) => [count, code] as const))("gives the RFC 4226 code for counter %i", (count, code) => {
    expect(hotp(SHA1_SEED, count)).toBe(code);
    expect(hotp(SHA1_SEED, BigInt(count))).toBe(code);
  });

  it("accepts a counter beyond 2^32 and up to 2^64 - 1", () => {
    expect(hotp(SHA1_SEED, 2n ** 40n)).toMatch(/^[0-9]{6}$/);
    expect(hotp(SHA1_SEED, 2n ** 64n - 1n)).toMatch(/^[0-9]{6}$/);
    expect(() => hotp(SHA1_SEED, 2n ** 64n)).toThrow(/64/);
    expect(() => hotp(SHA1_SEED, -1)).toThrow(/64/);
    expect(() => hotp(SHA1_SEED, 1.5)).toThrow(/whole number/);
  });

  it("refuses digits outside 6 to 8, an unknown algorithm and an empty secret", () => {
    expect(() => hotp(SHA1_SEED, 0, { digits: 5 })).toThrow(/digits/);
    expect(() => hotp(SHA1_SEED, 0, { digits: 9 })).toThrow(/digits/);
    expect(() => hotp(SHA1_SEED, 0, { algorithm: "md5" as any })).toThrow(/algorithm/);
    expect(() => hotp(Buffer.alloc(0), 0)).toThrow(/secret/);
  });
});

describe("totpCode", () => {
  // RFC 6238 Appendix B: 8 digits, 30 s step, T0 = 0.
  const table: [number, string, string, string][] = [
    [59, "94287082", "46119246", "90693936"],
    [1111111109, "07081804", "68084774", "25091201"],
    [1111111111, "14050471", "67062674", "99943326"],
    [1234567890, "89005924", "91819424", "93441116"],
    [2000000000, "69279037", "90698825", "38618901"],
    [20000000000, "65353130", "77737706", "47863826"],
  ];

  it.each(table)("gives the RFC 6238 codes at t = %i", (seconds, sha1, sha256, sha512) => {
    const timeMs = seconds * 1000;
    expect(totpCode(SHA1_SEED, timeMs, { digits: 8, algorithm: "sha1" })).toBe(sha1);
    expect(totpCode(SHA256_SEED, timeMs, { digits: 8, algorithm: "sha256" })).toBe(sha256);
    expect(totpCode(SHA512_SEED, timeMs, { digits: 8, algorithm: "sha512" })).toBe(sha512);
  });

  it("matches the 6-digit fixtures of the SHA-256 and SHA-512 seeds at steps 0 to 3", () => {
    const at = (step: number) => step * 30_000;
    expect([0, 1, 2, 3].map((s) => totpCode(SHA256_SEED, at(s), { algorithm: "sha256" }))).toEqual([
      "920136", "119246", "882438", "975832",
    ]);
    expect([0, 1, 2, 3].map((s) => totpCode(SHA512_SEED, at(s), { algorithm: "sha512" }))).toEqual([
      "550594", "693936", "765371", "628588",
    ]);
  });

  it("reads the base32 form of the seed the same way", () => {
    const seed = base32Decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    expect(totpCode(seed, T0)).toBe("081804");
  });
});

describe("totpStep", () => {
  it("counts whole periods since the epoch", () => {
    expect(totpStep(0)).toBe(0);
    expect(totpStep(29_999)).toBe(0);
    expect(totpStep(30_000)).toBe(1);
    expect(totpStep(T0)).toBe(37037036);
    expect(totpStep(20000000000 * 1000)).toBe(0x27bc86aa);
    expect(totpStep(60_000, 60)).toBe(1);
  });

  it("refuses a negative or non-finite time and a bad period", () => {
    expect(() => totpStep(-1)).toThrow(/time/);
    expect(() => totpStep(Number.NaN)).toThrow(/time/);
    expect(() => totpStep(0, 0)).toThrow(/period/);
    expect(() => totpStep(0, 1.5)).toThrow(/period/);
  });
});

describe("verifyTotp", () => {
  const verify = (code: unknown, timeMs: number, extra: { lastUsedStep?: number | null; skew?: number } = {}) =>
    verifyTotp({ secret: SHA1_SEED, code: code as string, timeMs, ...extra });

  it("accepts T-1, T and T+1 at t = 59 and rejects T+2 (969429)", () => {
    expect(verify("755224", 59_000)).toEqual({ ok: true, step: 0 });
    expect(verify("287082", 59_000)).toEqual({ ok: true, step: 1 });
    expect(verify("359152", 59_000)).toEqual({ ok: true, step: 2 });
    expect(verify("969429", 59_000)).toEqual({ ok: false });
  });

  it("accepts T-1 and T+1 but not T-2 or T+2 at t0 with skew 1 (SEC-39)", () => {
    expect(verify("081804", T0)).toEqual({ ok: true, step: 37037036 });
    expect(verify("731029", T0)).toEqual({ ok: true, step: 37037035 });
    expect(verify("050471", T0)).toEqual({ ok: true, step: 37037037 });
    expect(verify("150727", T0)).toEqual({ ok: false });
    expect(verify("266759", T0)).toEqual({ ok: false });
  });

  it("accepts only the current step with skew 0", () => {
    expect(verify("081804", T0, { skew: 0 })).toEqual({ ok: true, step: 37037036 });
    expect(verify("731029", T0, { skew: 0 })).toEqual({ ok: false });
  });

  it("accepts the fixture code 900 s later", () => {
    expect(verify("393293", T0 + 900_000)).toEqual({ ok: true, step: 37037066 });
  });

  it("keeps the leading zero of 081804 as part of the code", () => {
    expect(verify("081804", T0).ok).toBe(true);
    expect(verify("81804", T0).ok).toBe(false);
    expect(verify(81804, T0).ok).toBe(false);
  });

  // SEC-37, RFC 6238 §5.2.
  it("rejects a code whose step equals the last used step", () => {
    expect(verify("081804", T0 + 5_000, { lastUsedStep: 37037036 })).toEqual({ ok: false });
  });

  it("rejects an earlier step even while it is inside the skew window", () => {
    expect(verify("731029", T0, { lastUsedStep: 37037036 })).toEqual({ ok: false });
    expect(verify("731029", T0, { lastUsedStep: 37037035 })).toEqual({ ok: false });
  });

  it("still accepts a later step after the last used step", () => {
    expect(verify("050471", T0, { lastUsedStep: 37037036 })).toEqual({ ok: true, step: 37037037 });
    expect(verify("081804", T0, { lastUsedStep: 37037035 })).toEqual({ ok: true, step: 37037036 });
    expect(verify("081804", T0, { lastUsedStep: null })).toEqual({ ok: true, step: 37037036 });
  });

  it("throws rather than skip the replay check when lastUsedStep is not a whole number", () => {
    expect(() => verify("081804", T0, { lastUsedStep: Number.NaN })).toThrow(/lastUsedStep/);
    expect(() => verify("081804", T0, { lastUsedStep: "37037036" as any })).toThrow(/lastUsedStep/);
  });

  it.each([[""], ["12345"], ["1234567"], ["12345a"], [" 081804"], ["081804 "], ["08180４"], ["+81804"]])(
    "rejects the malformed code %j without throwing",
    (code) => {
      expect(verify(code, T0)).toEqual({ ok: false });
    },
  );

  it.each([[undefined], [null], [81804], [["081804"]], [{ toString: () => "081804" }]])(
    "rejects the non-string code %j without throwing",
    (code) => {
      expect(verify(code, T0)).toEqual({ ok: false });
    },
  );

  it("rejects a malformed code before computing any HMAC", () => {
    // An empty secret makes hotp throw, so reaching it would fail this test.
    const run = (code: string) => verifyTotp({ secret: Buffer.alloc(0), code, timeMs: T0 });
    expect(run("12345a")).toEqual({ ok: false });
    expect(run("1234567")).toEqual({ ok: false });
    expect(() => run("123456")).toThrow(/secret/);
  });

  it("checks 8-digit codes of the SHA-512 seed", () => {
    const result = verifyTotp({ secret: SHA512_SEED, code: "25091201", timeMs: T0, digits: 8, algorithm: "sha512" });
    expect(result).toEqual({ ok: true, step: 37037036 });
    expect(verifyTotp({ secret: SHA512_SEED, code: "250912", timeMs: T0, digits: 8, algorithm: "sha512" })).toEqual({ ok: false });
  });

  it("skips negative steps near the epoch", () => {
    expect(verify("755224", 1_000)).toEqual({ ok: true, step: 0 });
  });

  it("refuses a skew outside 0 to 10", () => {
    expect(() => verify("081804", T0, { skew: -1 })).toThrow(/skew/);
    expect(() => verify("081804", T0, { skew: 11 })).toThrow(/skew/);
  });
});

describe("generateTotpSecret", () => {
  it("returns 20 fresh random bytes", () => {
    const a = generateTotpSecret();
    const b = generateTotpSecret();
    expect(a).toHaveLength(20);
    expect(a.equals(b)).toBe(false);
    expect(base32Encode(a)).toMatch(/^[A-Z2-7]{32}$/);
  });
});

describe("otpauthURI", () => {
  it("builds the key URI with defaults", () => {
    expect(otpauthURI({ issuer: "Acme", account: "alice@example.com", secretBase32: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" })).toBe(
      "otpauth://totp/Acme:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme&digits=6&period=30",
    );
  });

  it("encodes ':', '?', '#', '&' and spaces in the issuer and account", () => {
    const uri = otpauthURI({ issuer: "Acme: Q&A #1?", account: "a:b@c", secretBase32: "GEZA====", digits: 8, period: 60 });
    expect(uri).toBe(
      "otpauth://totp/Acme%3A%20Q%26A%20%231%3F:a%3Ab%40c?secret=GEZA&issuer=Acme%3A%20Q%26A%20%231%3F&digits=8&period=60",
    );
    const parsed = new URL(uri);
    expect(parsed.hash).toBe("");
    expect(parsed.searchParams.get("issuer")).toBe("Acme: Q&A #1?");
    expect(parsed.searchParams.get("secret")).toBe("GEZA");
    const label = uri.slice("otpauth://totp/".length, uri.indexOf("?"));
    expect(label.split(":").map(decodeURIComponent)).toEqual(["Acme: Q&A #1?", "a:b@c"]);
  });

  it("names the algorithm only when it is not SHA-1", () => {
    const uri = otpauthURI({ issuer: "Acme", account: "a", secretBase32: "GEZA", algorithm: "sha256" });
    expect(uri).toContain("&algorithm=SHA256&");
    expect(otpauthURI({ issuer: "Acme", account: "a", secretBase32: "GEZA" })).not.toContain("algorithm");
  });
});

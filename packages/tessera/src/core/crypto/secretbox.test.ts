import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors.js";
import { createSecretBox, SecretBoxError } from "./secretbox.js";

const KEY = randomBytes(32).toString("base64");
const OTHER_KEY = randomBytes(32).toString("base64");
const SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const CONTEXT = "totp-device:dev-1";

/** Replaces one base64url character of part `index` (1 nonce, 2 ciphertext, 3 tag). */
function tamper(sealed: string, index: number): string {
  const parts = sealed.split(".");
  const part = parts[index]!;
  const flipped = part[0] === "A" ? "B" : "A";
  parts[index] = flipped + part.slice(1);
  return parts.join(".");
}

function openError(run: () => unknown): SecretBoxError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretBoxError);
    return error as SecretBoxError;
  }
  throw new Error("expected open to throw");
}

describe("createSecretBox with a master key", () => {
  const box = createSecretBox(KEY);

  it("round-trips a value and reports that it encrypts", () => {
    expect(box.encrypted).toBe(true);
    const sealed = box.seal(SECRET, CONTEXT);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(sealed).not.toContain(SECRET);
    expect(box.open(sealed, CONTEXT)).toBe(SECRET);
  });

  it("round-trips empty, multi-line and non-ASCII values", () => {
    for (const value of ["", "-----BEGIN PRIVATE KEY-----\nMC4CAQ\n-----END PRIVATE KEY-----\n", "päss🔑"]) {
      expect(box.open(box.seal(value, CONTEXT), CONTEXT)).toBe(value);
    }
  });

  it("uses a fresh nonce for each seal", () => {
    const a = box.seal(SECRET, CONTEXT);
    const b = box.seal(SECRET, CONTEXT);
    expect(a).not.toBe(b);
    expect(a.split(".")[1]).not.toBe(b.split(".")[1]);
  });

  it("opens with another box built from the same key", () => {
    expect(createSecretBox(KEY).open(box.seal(SECRET, CONTEXT), CONTEXT)).toBe(SECRET);
  });

  it.each([
    ["nonce", 1],
    ["ciphertext", 2],
    ["tag", 3],
  ])("refuses a value whose %s was altered", (_name, index) => {
    const error = openError(() => box.open(tamper(box.seal(SECRET, CONTEXT), index), CONTEXT));
    expect(error.reason).toBe("AUTHENTICATION_FAILED");
    expect(error.message).toMatch(/altered/);
  });

  it("refuses a value moved to another row (wrong context)", () => {
    const error = openError(() => box.open(box.seal(SECRET, CONTEXT), "totp-device:dev-2"));
    expect(error.reason).toBe("AUTHENTICATION_FAILED");
    expect(error.message).toMatch(/another context/);
    expect(error.message).toContain("totp-device:dev-2");
  });

  it("refuses a value sealed with another master key", () => {
    const error = openError(() => createSecretBox(OTHER_KEY).open(box.seal(SECRET, CONTEXT), CONTEXT));
    expect(error.reason).toBe("AUTHENTICATION_FAILED");
    expect(error.message).toMatch(/different master key/);
  });

  it.each([
    ["v1.abc"],
    ["v2.AAAAAAAAAAAAAAAA.AA.AAAAAAAAAAAAAAAAAAAAAA"],
    ["v1.AAAA.AA.AAAAAAAAAAAAAAAAAAAAAA"],
    ["v1.AAAAAAAAAAAAAAAA.A+A.AAAAAAAAAAAAAAAAAAAAAA"],
    [SECRET],
    [""],
  ])("calls %j malformed", (sealed) => {
    expect(openError(() => box.open(sealed, CONTEXT)).reason).toBe("MALFORMED");
  });

  it("never puts the plaintext or the key in an error message", () => {
    const sealed = box.seal(SECRET, CONTEXT);
    const messages = [
      openError(() => box.open(tamper(sealed, 2), CONTEXT)),
      openError(() => box.open(sealed, "other")),
      openError(() => createSecretBox(OTHER_KEY).open(sealed, CONTEXT)),
      openError(() => box.open(sealed.slice(0, -3), CONTEXT)),
    ].map((error) => `${error.message} ${String((error as Error & { cause?: unknown }).cause)}`);
    for (const message of messages) {
      expect(message).not.toContain(SECRET);
      expect(message).not.toContain(KEY);
      expect(message).not.toContain(OTHER_KEY);
    }
  });

  it("still reads plain values written before the key was configured, but seals new ones", () => {
    expect(box.open(`plain.${SECRET}`, CONTEXT)).toBe(SECRET);
    expect(box.seal(SECRET, CONTEXT).startsWith("v1.")).toBe(true);
  });

  it("requires a non-empty context", () => {
    expect(() => box.seal(SECRET, "")).toThrow(ConfigError);
    expect(() => box.open(box.seal(SECRET, CONTEXT), "")).toThrow(ConfigError);
  });
});

describe("createSecretBox without a master key", () => {
  const box = createSecretBox(undefined);

  it("stores values as plain.<value> and reads them back", () => {
    expect(box.encrypted).toBe(false);
    expect(box.seal(SECRET, CONTEXT)).toBe(`plain.${SECRET}`);
    expect(box.open(`plain.${SECRET}`, CONTEXT)).toBe(SECRET);
    expect(box.open(box.seal("a.b.c", CONTEXT), CONTEXT)).toBe("a.b.c");
  });

  it("says a key is needed to open an encrypted value", () => {
    const sealed = createSecretBox(KEY).seal(SECRET, CONTEXT);
    const error = openError(() => box.open(sealed, CONTEXT));
    expect(error.reason).toBe("NO_MASTER_KEY");
    expect(error.message).toMatch(/no master key/);
  });
});

describe("createSecretBox master key formats", () => {
  const bytes = randomBytes(32);

  it.each([
    ["base64", bytes.toString("base64")],
    ["base64url", bytes.toString("base64url")],
    ["hex", bytes.toString("hex")],
    ["a long passphrase", "correct horse battery staple and more words"],
    ["base64 with a trailing newline", `${bytes.toString("base64")}\n`],
  ])("accepts %s", (_name, key) => {
    const box = createSecretBox(key);
    expect(box.open(box.seal(SECRET, CONTEXT), CONTEXT)).toBe(SECRET);
  });

  it("derives the same key from the base64, base64url and hex forms of the same bytes", () => {
    const sealed = createSecretBox(bytes.toString("base64")).seal(SECRET, CONTEXT);
    expect(createSecretBox(bytes.toString("base64url")).open(sealed, CONTEXT)).toBe(SECRET);
    expect(createSecretBox(bytes.toString("hex")).open(sealed, CONTEXT)).toBe(SECRET);
  });

  it.each([
    ["an empty string", ""],
    ["a short passphrase", "hunter2"],
    ["16 bytes of base64", randomBytes(16).toString("base64")],
    ["16 bytes of hex (32 characters)", randomBytes(16).toString("hex")],
    ["31 characters", "x".repeat(31)],
  ])("refuses %s and says how to make a key", (_name, key) => {
    expect(() => createSecretBox(key)).toThrow(ConfigError);
    expect(() => createSecretBox(key)).toThrow(/openssl rand -base64 32/);
  });
});

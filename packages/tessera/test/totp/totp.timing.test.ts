/**
 * SEC-49 for TOTP: every candidate code is compared with the constant-time compare, for every
 * step of the window and every device, with no early exit once one matches.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import tessera from "../../src/index.js";
import { fixedClock } from "../../src/core/clock.js";
import { base32Decode } from "../../src/core/crypto/base32.js";
import { totpCode } from "../../src/core/crypto/otp.js";
import * as random from "../../src/core/crypto/random.js";
import MultiFactorAuth from "../../src/recipe/multifactorauth/index.js";
import Session from "../../src/recipe/session/index.js";
import TOTP from "../../src/recipe/totp/index.js";
import { T0_MS } from "../helpers/app.js";

vi.mock("../../src/core/crypto/random.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../src/core/crypto/random.js")>();
  return { ...actual, constantTimeEqual: vi.fn(actual.constantTimeEqual) };
});

const compare = vi.mocked(random.constantTimeEqual);

describe("TOTP code comparison", () => {
  const clock = fixedClock(T0_MS);
  const secrets: string[] = [];

  beforeEach(async () => {
    tessera.init({
      appInfo: { appName: "Timing", apiDomain: "http://127.0.0.1", websiteDomain: "http://127.0.0.1" },
      database: "sqlite::memory:",
      clock,
      recipeList: [Session.init(), MultiFactorAuth.init(), TOTP.init()],
    });
    clock.set(T0_MS - 600_000);
    secrets.length = 0;
    for (const name of ["a", "b"]) {
      const created = await TOTP.createDevice("u1", undefined, name);
      if (created.status !== "OK") throw new Error(created.status);
      secrets.push(created.secret);
      await TOTP.verifyDevice("public", "u1", name, totpCode(base32Decode(created.secret), clock.now()));
      clock.advance(30_000);
    }
    clock.set(T0_MS);
    compare.mockClear();
  });
  afterEach(async () => tessera.reset());

  it("compares all three window steps of both devices, whether the code matches the first device or none", async () => {
    expect(await TOTP.verifyTOTP("public", "u1", totpCode(base32Decode(secrets[0] as string), T0_MS))).toEqual({ status: "OK" });
    expect(compare).toHaveBeenCalledTimes(6);
    compare.mockClear();
    expect((await TOTP.verifyTOTP("public", "u1", "000000")).status).toBe("INVALID_TOTP_ERROR");
    expect(compare).toHaveBeenCalledTimes(6);
  });

  it("rejects a malformed code before computing any HMAC", async () => {
    for (const code of ["08180", "0818045", "08180a", " 081804", ""]) expect((await TOTP.verifyTOTP("public", "u1", code)).status).toBe("INVALID_TOTP_ERROR");
    expect(compare).not.toHaveBeenCalled();
  });
});

/**
 * The TOTP recipe without HTTP: the module functions (SuperTokens' shapes), config checks at
 * init, and the replay guard with devices of different periods.
 */
import { afterEach, describe, expect, it } from "vitest";
import tessera from "../../src/index.js";
import { fixedClock } from "../../src/core/clock.js";
import { base32Decode } from "../../src/core/crypto/base32.js";
import { totpCode } from "../../src/core/crypto/otp.js";
import { ConfigError } from "../../src/core/errors.js";
import MultiFactorAuth from "../../src/recipe/multifactorauth/index.js";
import Session from "../../src/recipe/session/index.js";
import TOTP from "../../src/recipe/totp/index.js";
import type { TOTPConfig } from "../../src/recipe/totp/types.js";
import { T0_MS } from "../helpers/app.js";

const clock = fixedClock(T0_MS);
const appInfo = { appName: "Functions", apiDomain: "http://127.0.0.1", websiteDomain: "http://127.0.0.1" };

function start(totp?: TOTPConfig) {
  clock.set(T0_MS);
  tessera.init({ appInfo, database: "sqlite::memory:", clock, recipeList: [Session.init(), MultiFactorAuth.init(), TOTP.init(totp)] });
}

const codeFor = (secret: string, timeMs = clock.now(), period = 30) => totpCode(base32Decode(secret), timeMs, { period });

describe("TOTP module functions", () => {
  afterEach(async () => tessera.reset());

  it("create, list, verify, rename and remove a device", async () => {
    start();
    const created = await TOTP.createDevice("u1", "alice@example.com", "phone");
    if (created.status !== "OK") throw new Error(created.status);
    expect(created.qrCodeString).toBe(`otpauth://totp/Functions:alice%40example.com?secret=${created.secret}&issuer=Functions&digits=6&period=30`);
    expect(await TOTP.listDevices("u1")).toEqual({ status: "OK", devices: [{ name: "phone", period: 30, skew: 1, verified: false }] });
    expect(await TOTP.verifyTOTP("public", "u1", codeFor(created.secret))).toEqual({ status: "INVALID_TOTP_ERROR", currentNumberOfFailedAttempts: 1, maxNumberOfFailedAttempts: 5 });
    expect(await TOTP.verifyDevice("public", "u1", "phone", codeFor(created.secret))).toEqual({ status: "OK", wasAlreadyVerified: false });

    expect(await TOTP.updateDevice("u1", "missing", "x")).toEqual({ status: "UNKNOWN_DEVICE_ERROR" });
    await TOTP.createDevice("u1", undefined, "spare");
    expect(await TOTP.updateDevice("u1", "phone", "spare")).toEqual({ status: "DEVICE_ALREADY_EXISTS_ERROR" });
    expect(await TOTP.updateDevice("u1", "phone", "laptop")).toEqual({ status: "OK" });
    expect((await TOTP.listDevices("u1")).devices.map((d) => [d.name, d.verified])).toEqual([["laptop", true], ["spare", false]]);
    // The renamed device's seed was re-sealed for its new name and still verifies.
    clock.advance(30_000);
    expect(await TOTP.verifyTOTP("public", "u1", codeFor(created.secret))).toEqual({ status: "OK" });

    expect(await TOTP.removeDevice("u1", "laptop")).toEqual({ status: "OK", didDeviceExist: true });
    expect(await TOTP.removeDevice("u1", "laptop")).toEqual({ status: "OK", didDeviceExist: false });
  });

  it("uses the given skew and period, and the configured defaults otherwise", async () => {
    start({ defaultSkew: 0, defaultPeriod: 60, issuer: "Acme" });
    const wide = await TOTP.createDevice("u1", undefined, "wide", 2, 30);
    const narrow = await TOTP.createDevice("u1", undefined, "narrow");
    if (wide.status !== "OK" || narrow.status !== "OK") throw new Error("create failed");
    expect(narrow.qrCodeString).toBe(`otpauth://totp/Acme?secret=${narrow.secret}&issuer=Acme&digits=6&period=60`);
    expect((await TOTP.listDevices("u1")).devices).toEqual([
      { name: "narrow", period: 60, skew: 0, verified: false },
      { name: "wide", period: 30, skew: 2, verified: false },
    ]);
    expect((await TOTP.verifyDevice("public", "u1", "wide", codeFor(wide.secret, T0_MS + 60_000))).status).toBe("OK");
    expect((await TOTP.verifyDevice("public", "u1", "narrow", codeFor(narrow.secret, T0_MS + 60_000, 60))).status).toBe("INVALID_TOTP_ERROR");
    await expect(TOTP.createDevice("u1", undefined, "bad", 11)).rejects.toBeInstanceOf(ConfigError);
    await expect(TOTP.createDevice("u1", undefined, "bad", 1, 0)).rejects.toBeInstanceOf(ConfigError);
  });

  it("keeps one replay guard across devices with different periods without one blocking the other", async () => {
    start();
    const short = await TOTP.createDevice("u1", undefined, "short", 1, 30);
    const long = await TOTP.createDevice("u1", undefined, "long", 1, 60);
    if (short.status !== "OK" || long.status !== "OK") throw new Error("create failed");
    // Start of a 60 s step, so both devices' current steps begin at the same second.
    clock.set(Math.floor(T0_MS / 60_000) * 60_000);
    expect((await TOTP.verifyDevice("public", "u1", "short", codeFor(short.secret))).status).toBe("OK");
    clock.advance(30_000);
    expect((await TOTP.verifyDevice("public", "u1", "short", codeFor(short.secret))).status).toBe("OK");
    clock.advance(30_000);
    expect((await TOTP.verifyDevice("public", "u1", "long", codeFor(long.secret, clock.now(), 60))).status).toBe("OK");
    expect((await TOTP.verifyTOTP("public", "u1", codeFor(long.secret, clock.now(), 60))).status).toBe("INVALID_TOTP_ERROR");
    expect((await TOTP.verifyTOTP("public", "u1", codeFor(short.secret))).status).toBe("INVALID_TOTP_ERROR");
    clock.advance(30_000);
    expect((await TOTP.verifyTOTP("public", "u1", codeFor(short.secret))).status).toBe("OK");
  });

  it("checks one user's codes one at a time, so parallel guesses cannot outrun the attempt limit", async () => {
    start();
    const created = await TOTP.createDevice("u1", undefined, "phone");
    if (created.status !== "OK") throw new Error(created.status);
    await TOTP.verifyDevice("public", "u1", "phone", codeFor(created.secret));
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => TOTP.verifyTOTP("public", "u1", String(100_000 + i))));
    expect(results.filter((r) => r.status === "INVALID_TOTP_ERROR")).toHaveLength(5);
    expect(results.filter((r) => r.status === "LIMIT_REACHED_ERROR")).toHaveLength(15);
  });

  it("registers totp with MFA as set up once a device is verified", async () => {
    start();
    expect(await MultiFactorAuth.getFactorsSetupForUser("u1")).toEqual([]);
    const created = await TOTP.createDevice("u1", undefined, "phone");
    if (created.status !== "OK") throw new Error(created.status);
    expect(await MultiFactorAuth.getFactorsSetupForUser("u1")).toEqual([]);
    await TOTP.verifyDevice("public", "u1", "phone", codeFor(created.secret));
    expect(await MultiFactorAuth.getFactorsSetupForUser("u1")).toEqual(["totp"]);
  });

  it("lets an override replace a function that the defaults call", async () => {
    start({ override: { functions: (original) => ({ ...original, getUserIdentifierInfoForUserId: async () => ({ status: "UNKNOWN_USER_ID_ERROR" }) }) } });
    expect(await TOTP.createDevice("ghost")).toEqual({ status: "UNKNOWN_USER_ID_ERROR" });
    expect((await TOTP.listDevices("ghost")).devices).toEqual([]);
  });
});

describe("TOTP.init", () => {
  afterEach(async () => tessera.reset());

  it("needs the multifactorauth recipe", async () => {
    expect(() => tessera.init({ appInfo, database: "sqlite::memory:", clock, recipeList: [Session.init(), TOTP.init()] })).toThrow(/MultiFactorAuth\.init\(\)/);
  });

  for (const config of [{ defaultSkew: 11 }, { defaultSkew: -1 }, { defaultPeriod: 0 }, { defaultPeriod: 1.5 }, { maxAttempts: 0 }, { cooldownSeconds: 0 }, { issuer: " " }] as TOTPConfig[]) {
    it(`refuses ${JSON.stringify(config)}`, () => {
      expect(() => tessera.init({ appInfo, database: "sqlite::memory:", clock, recipeList: [Session.init(), MultiFactorAuth.init(), TOTP.init(config)] })).toThrow(ConfigError);
    });
  }
});

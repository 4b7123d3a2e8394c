import { describe, expect, it } from "vitest";
import { normaliseAppInfo } from "../../core/app-info.js";
import { ConfigError } from "../../core/errors.js";
import type { RecipeContext } from "../../core/recipe.js";
import { multiFactorAuthRecipeFactory } from "./recipe.js";
import { labelFromUserAgent, normaliseTrustedDevicesConfig, parseDeviceCookie } from "./trusted-devices.js";

const http = normaliseAppInfo({ appName: "a", apiDomain: "http://api.example.com", websiteDomain: "http://example.com" });
const https = normaliseAppInfo({ appName: "a", apiDomain: "https://api.example.com", websiteDomain: "https://example.com", apiBasePath: "/api/auth/" });

describe("normaliseTrustedDevicesConfig", () => {
  it("is off unless configured, and defaults to 30 days, sTrustedDevice, Lax, the API base path, Secure on https", () => {
    expect(normaliseTrustedDevicesConfig(undefined, http)).toBeUndefined();
    expect(normaliseTrustedDevicesConfig({}, http)).toEqual({ validityMs: 30 * 86_400_000, cookieName: "sTrustedDevice", cookiePath: "/auth", secure: false, sameSite: "lax" });
    expect(normaliseTrustedDevicesConfig({ validityDays: 7, cookieName: "td", cookieSameSite: "none" }, https)).toEqual({
      validityMs: 7 * 86_400_000,
      cookieName: "td",
      cookiePath: "/api/auth",
      secure: true,
      sameSite: "none",
    });
  });

  it("throws a ConfigError that says what to change for bad values", () => {
    for (const validityDays of [0, -1, 1.5, 401, Number.NaN, "30" as never]) {
      expect(() => normaliseTrustedDevicesConfig({ validityDays }, http)).toThrow(/validityDays/);
    }
    for (const cookieName of ["", "a b", "a;b", "é", 5 as never]) expect(() => normaliseTrustedDevicesConfig({ cookieName }, http)).toThrow(/cookieName/);
    expect(() => normaliseTrustedDevicesConfig({ cookieSameSite: "none" }, http)).toThrow(/https/);
    expect(() => normaliseTrustedDevicesConfig({ cookieSameSite: "loose" as never }, http)).toThrow(ConfigError);
    expect(() => normaliseTrustedDevicesConfig(null as never, http)).toThrow(ConfigError);
  });

  it("MultiFactorAuth.init serves the trusted-device endpoints only when configured, and checks the config at init", () => {
    const context = { appInfo: http, storage: {}, secretBox: {} } as unknown as RecipeContext;
    const paths = (config: Parameters<typeof multiFactorAuthRecipeFactory>[0]) => multiFactorAuthRecipeFactory(config)(context).routes.map((r) => `${r.method} ${r.path}`);
    expect(paths({})).toEqual(["PUT /mfa/info"]);
    expect(paths({ trustedDevices: {} })).toEqual(["PUT /mfa/info", "POST /mfa/trusted-device", "GET /mfa/trusted-devices", "DELETE /mfa/trusted-device"]);
    expect(() => multiFactorAuthRecipeFactory({ trustedDevices: { validityDays: 0 } })(context)).toThrow(ConfigError);
  });
});

describe("parseDeviceCookie", () => {
  const id = "0b8f6c1e-2a44-4c1a-9d7e-3f6a2b1c0d9e";
  const secret = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123_-Z";
  it("reads the id and secret of a value we issue, and nothing else", () => {
    expect(parseDeviceCookie(`${id}.${secret}`)).toEqual({ deviceId: id, token: secret });
    for (const value of ["", id, `${id}.`, `${id}.${secret}x`, `${id}.${secret.slice(1)}`, `${id.toUpperCase()}.${secret}`, `${id}.${secret.replace("a", "+")}`, ` ${id}.${secret}`]) {
      expect(parseDeviceCookie(value)).toBeUndefined();
    }
  });
});

describe("labelFromUserAgent", () => {
  it("keeps a short printable label", () => {
    expect(labelFromUserAgent(undefined)).toBe("Unknown device");
    expect(labelFromUserAgent("  \u0000\t ")).toBe("Unknown device");
    expect(labelFromUserAgent("Mozilla/5.0\r\n(X11; Linux)")).toBe("Mozilla/5.0 (X11; Linux)");
    expect(labelFromUserAgent("x".repeat(1000))).toHaveLength(200);
  });
});

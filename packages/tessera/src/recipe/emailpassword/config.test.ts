import { describe, expect, it } from "vitest";
import { ConfigError } from "../../core/errors.js";
import { normaliseEmailPasswordConfig } from "./config.js";
import type { EmailPasswordConfig } from "./types.js";

describe("EmailPassword.init config", () => {
  it("defaults to a 15-minute reset token and the console mailer", () => {
    const config = normaliseEmailPasswordConfig();
    expect(config.resetTokenLifetimeMs).toBe(15 * 60_000);
    expect(config.signUpFormFields.map((f) => f.id)).toEqual(["email", "password"]);
  });

  it("keeps the built-in password policy when the app gives its own password validator", async () => {
    const config = normaliseEmailPasswordConfig({ signUpFeature: { formFields: [{ id: "password", validate: () => undefined }] } });
    const password = config.signUpFormFields.find((f) => f.id === "password")!;
    expect(await password.validate("short", "public", {})).toBe("Password must be at least 8 characters long");
  });

  it.each([
    ["formFields that is not an array", { signUpFeature: { formFields: {} } }],
    ["a form field without an id", { signUpFeature: { formFields: [{ validate: () => undefined }] } }],
    ["the same field id twice", { signUpFeature: { formFields: [{ id: "name" }, { id: "name" }] } }],
    ["a validate that is not a function", { signUpFeature: { formFields: [{ id: "name", validate: "x" }] } }],
    ["an emailDelivery without sendEmail", { emailDelivery: {} }],
    ["a zero resetTokenLifetime", { resetTokenLifetime: 0 }],
    ["a password minimum below 8", { passwordPolicy: { minLength: 6 } }],
  ])("throws a ConfigError for %s", (_label, config) => {
    expect(() => normaliseEmailPasswordConfig(config as unknown as EmailPasswordConfig)).toThrow(ConfigError);
  });
});

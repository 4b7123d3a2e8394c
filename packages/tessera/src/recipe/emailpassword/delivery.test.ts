import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigError } from "../../core/errors.js";
import { consoleEmailDelivery, createSMTPEmailDelivery } from "./delivery.js";

const input = { type: "PASSWORD_RESET" as const, user: { id: "u1", email: "alice@example.com" }, passwordResetLink: "http://localhost/auth/reset-password?token=t&tenantId=public", tenantId: "public", userContext: {} };

afterEach(() => {
  vi.restoreAllMocks();
});

describe("email delivery", () => {
  it("prints the reset link to the console by default", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    await consoleEmailDelivery.sendEmail(input);
    expect(log.mock.calls[0]?.[0]).toContain(input.passwordResetLink);
    expect(log.mock.calls[0]?.[0]).toContain("alice@example.com");
  });

  it("checks the SMTP options when it is created", () => {
    expect(() => createSMTPEmailDelivery({ host: "smtp.example.com" } as never)).toThrow(ConfigError);
  });

  it("says to install nodemailer when it is missing, at send time", async () => {
    let installed = true;
    try {
      await import("nodemailer" as string);
    } catch {
      installed = false;
    }
    if (installed) return;
    const delivery = createSMTPEmailDelivery({ host: "127.0.0.1", port: 2525, from: { name: "Test", email: "no-reply@example.com" } });
    await expect(delivery.sendEmail(input)).rejects.toThrow(/npm install nodemailer/);
  });
});

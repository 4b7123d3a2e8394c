/**
 * Email delivery: a function the app supplies. Two are offered: the default, which prints the
 * reset link to the console (development and the demo), and SMTP over `nodemailer` (core/smtp.ts:
 * not a dependency of tessera, imported when the first email is sent).
 */
import { createSMTPSender, escapeHTML, type SMTPOptions } from "../../core/smtp.js";
import type { EmailDelivery, PasswordResetEmailInput } from "./types.js";

/** Prints the password-reset link: for development only, since anyone reading the logs can use it. */
export const consoleEmailDelivery: EmailDelivery = {
  sendEmail(input) {
    console.log(`[tessera] Password reset for ${input.user.email} (tenant ${input.tenantId}): ${input.passwordResetLink}`);
  },
};

export interface SMTPEmailDeliveryOptions extends SMTPOptions {
  /** The app's name in the subject and text (default "your account"). */
  appName?: string;
}

/**
 * Sends password-reset emails over SMTP with `nodemailer` (install it yourself: it is optional).
 *
 * @example
 * import EmailPassword, { createSMTPEmailDelivery } from "tessera/recipe/emailpassword";
 * EmailPassword.init({
 *   emailDelivery: createSMTPEmailDelivery({ host: "smtp.example.com", port: 587, auth: { user, pass }, from: { name: "My app", email: "no-reply@example.com" } }),
 * });
 */
export function createSMTPEmailDelivery(options: SMTPEmailDeliveryOptions): EmailDelivery {
  const send = createSMTPSender(options);
  const appName = options.appName ?? "your account";
  return {
    async sendEmail(input: PasswordResetEmailInput) {
      const link = input.passwordResetLink;
      await send({
        to: input.user.email,
        subject: `Reset the password of ${appName}`,
        text: `Someone asked to reset the password of ${appName} for ${input.user.email}.\n\nTo choose a new password, open this link (it works once, for a short time):\n${link}\n\nIf it was not you, ignore this email: your password stays as it is.`,
        html: `<p>Someone asked to reset the password of ${escapeHTML(appName)} for ${escapeHTML(input.user.email)}.</p><p><a href="${escapeHTML(link)}">Choose a new password</a> (the link works once, for a short time).</p><p>If it was not you, ignore this email: your password stays as it is.</p>`,
      });
    },
  };
}

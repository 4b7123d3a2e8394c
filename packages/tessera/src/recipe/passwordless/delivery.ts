/**
 * Delivery of codes and magic links: functions the app supplies. Offered here: console defaults
 * for development (anyone who reads the logs can sign in as anyone, so they warn once), and
 * email over SMTP with `nodemailer` (core/smtp.ts). SMS always needs the app's own function.
 */
import { createSMTPSender, escapeHTML, type MailMessage, type SMTPOptions } from "../../core/smtp.js";
import type { PasswordlessEmailDelivery, PasswordlessEmailInput, PasswordlessSmsDelivery, PasswordlessSmsInput } from "./types.js";

let warned = false;
function warnOnce(): void {
  if (warned) return;
  warned = true;
  console.warn(
    "[tessera] Passwordless codes are printed to the console because no emailDelivery / smsDelivery is configured: for development only. Pass Passwordless.init({ emailDelivery, smsDelivery }) in production.",
  );
}

function describe(input: PasswordlessEmailInput | PasswordlessSmsInput): string {
  const parts = [input.userInputCode !== undefined ? `code ${input.userInputCode}` : undefined, input.urlWithLinkCode !== undefined ? `link ${input.urlWithLinkCode}` : undefined];
  return `${parts.filter((p) => p !== undefined).join(", ")} (valid ${Math.round(input.codeLifetime / 60_000)} min)`;
}

/** Prints the code and link: for development only. */
export const consoleEmailDelivery: PasswordlessEmailDelivery = {
  sendEmail(input) {
    warnOnce();
    console.log(`[tessera] Passwordless email to ${input.email} (tenant ${input.tenantId}): ${describe(input)}`);
  },
};

/** Prints the SMS: for development only. */
export const consoleSmsDelivery: PasswordlessSmsDelivery = {
  sendSms(input) {
    warnOnce();
    console.log(`[tessera] Passwordless SMS to ${input.phoneNumber} (tenant ${input.tenantId}): ${describe(input)}`);
  },
};

export interface PasswordlessSMTPOptions extends SMTPOptions {
  /** The app's name in the subject and text (default "your account"). */
  appName?: string;
}

/** The message for one code and/or link. */
export function passwordlessEmailMessage(input: PasswordlessEmailInput, appName: string): MailMessage {
  const minutes = Math.max(1, Math.round(input.codeLifetime / 60_000));
  const code = input.userInputCode;
  const link = input.urlWithLinkCode;
  const lines = [
    code !== undefined ? `Your sign-in code for ${appName} is ${code}.` : undefined,
    link !== undefined ? `${code !== undefined ? "Or open" : "Open"} this link to sign in:\n${link}` : undefined,
    `It works once, for ${minutes} minutes. If you did not ask for it, ignore this email.`,
  ].filter((l): l is string => l !== undefined);
  const html = [
    code !== undefined ? `<p>Your sign-in code for ${escapeHTML(appName)} is <strong>${escapeHTML(code)}</strong>.</p>` : "",
    link !== undefined ? `<p><a href="${escapeHTML(link)}">Sign in to ${escapeHTML(appName)}</a></p>` : "",
    `<p>It works once, for ${minutes} minutes. If you did not ask for it, ignore this email.</p>`,
  ].join("");
  return { to: input.email, subject: code !== undefined ? `${code} is your sign-in code for ${appName}` : `Sign in to ${appName}`, text: lines.join("\n\n"), html };
}

/**
 * Sends passwordless emails over SMTP with `nodemailer` (install it yourself: it is optional).
 *
 * @example
 * import Passwordless, { createSMTPEmailDelivery } from "tessera/recipe/passwordless";
 * Passwordless.init({ contactMethod: "EMAIL", flowType: "USER_INPUT_CODE",
 *   emailDelivery: createSMTPEmailDelivery({ host: "smtp.example.com", port: 587, auth: { user, pass }, from: { name: "My app", email: "no-reply@example.com" } }) });
 */
export function createSMTPEmailDelivery(options: PasswordlessSMTPOptions): PasswordlessEmailDelivery {
  const send = createSMTPSender(options);
  const appName = options.appName ?? "your account";
  return { sendEmail: (input) => send(passwordlessEmailMessage(input, appName)) };
}

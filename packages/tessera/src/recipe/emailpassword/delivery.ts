/**
 * Email delivery: a function the app supplies. Two are offered: the default, which prints the
 * reset link to the console (development and the demo), and SMTP over `nodemailer`, which is not
 * a dependency of tessera: it is imported when the first email is sent, so the package runs
 * (and type-checks) without it.
 */
import { ConfigError } from "../../core/errors.js";
import type { EmailDelivery, PasswordResetEmailInput } from "./types.js";

/** Prints the password-reset link: for development only, since anyone reading the logs can use it. */
export const consoleEmailDelivery: EmailDelivery = {
  sendEmail(input) {
    console.log(`[tessera] Password reset for ${input.user.email} (tenant ${input.tenantId}): ${input.passwordResetLink}`);
  },
};

export interface SMTPEmailDeliveryOptions {
  host: string;
  port: number;
  /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
  secure?: boolean;
  auth?: { user: string; pass: string };
  from: { name: string; email: string };
  /** The app's name in the subject and text (default "your account"). */
  appName?: string;
}

interface MailTransport {
  sendMail(message: { from: string; to: string; subject: string; text: string; html: string }): Promise<unknown>;
}

function escapeHTML(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function quoteDisplayName(name: string): string {
  return `"${name.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n]/g, " ")}"`;
}

async function loadNodemailer(): Promise<{ createTransport(options: object): MailTransport }> {
  // A variable specifier keeps TypeScript and bundlers from resolving the optional package.
  const specifier = "nodemailer";
  try {
    const module = (await import(specifier)) as { default?: { createTransport(options: object): MailTransport }; createTransport?(options: object): MailTransport };
    const api = module.default ?? module;
    if (typeof api.createTransport !== "function") throw new Error("nodemailer has no createTransport");
    return api as { createTransport(options: object): MailTransport };
  } catch (error) {
    throw new ConfigError(`createSMTPEmailDelivery needs the "nodemailer" package: run \`npm install nodemailer\` (${error instanceof Error ? error.message : String(error)})`);
  }
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
  if (!options || typeof options.host !== "string" || typeof options.port !== "number" || typeof options.from?.email !== "string") {
    throw new ConfigError("createSMTPEmailDelivery needs { host, port, from: { name, email } }");
  }
  let transport: Promise<MailTransport> | undefined;
  const appName = options.appName ?? "your account";
  return {
    async sendEmail(input: PasswordResetEmailInput) {
      transport ??= loadNodemailer().then((nodemailer) =>
        nodemailer.createTransport({ host: options.host, port: options.port, secure: options.secure ?? false, auth: options.auth }),
      );
      // Forget a failed load, so installing nodemailer later works without a restart.
      const mailer = await transport.catch((error: unknown) => {
        transport = undefined;
        throw error;
      });
      const link = input.passwordResetLink;
      await mailer.sendMail({
        from: `${quoteDisplayName(options.from.name)} <${options.from.email}>`,
        to: input.user.email,
        subject: `Reset the password of ${appName}`,
        text: `Someone asked to reset the password of ${appName} for ${input.user.email}.\n\nTo choose a new password, open this link (it works once, for a short time):\n${link}\n\nIf it was not you, ignore this email: your password stays as it is.`,
        html: `<p>Someone asked to reset the password of ${escapeHTML(appName)} for ${escapeHTML(input.user.email)}.</p><p><a href="${escapeHTML(link)}">Choose a new password</a> (the link works once, for a short time).</p><p>If it was not you, ignore this email: your password stays as it is.</p>`,
      });
    },
  };
}

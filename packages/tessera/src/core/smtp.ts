/**
 * SMTP sending over `nodemailer`, shared by the recipes' `createSMTPEmailDelivery`. `nodemailer`
 * is not a dependency of tessera: it is imported when the first email is sent, so the package
 * runs (and type-checks) without it, and edge runtimes never load it.
 */
import { ConfigError } from "./errors.js";

export interface SMTPOptions {
  host: string;
  port: number;
  /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
  secure?: boolean;
  auth?: { user: string; pass: string };
  from: { name: string; email: string };
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

interface MailTransport {
  sendMail(message: { from: string; to: string; subject: string; text: string; html: string }): Promise<unknown>;
}

export function escapeHTML(value: string): string {
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

/** Checks the options when the delivery is created, so a bad config fails at init. */
export function checkSMTPOptions(options: SMTPOptions | undefined): void {
  if (!options || typeof options.host !== "string" || typeof options.port !== "number" || typeof options.from?.email !== "string") {
    throw new ConfigError("createSMTPEmailDelivery needs { host, port, from: { name, email } }");
  }
}

/** A function that sends one message over the configured server; the transport is made on first use. */
export function createSMTPSender(options: SMTPOptions): (message: MailMessage) => Promise<void> {
  checkSMTPOptions(options);
  let transport: Promise<MailTransport> | undefined;
  return async (message) => {
    transport ??= loadNodemailer().then((nodemailer) => nodemailer.createTransport({ host: options.host, port: options.port, secure: options.secure ?? false, auth: options.auth }));
    // Forget a failed load, so installing nodemailer later works without a restart.
    const mailer = await transport.catch((error: unknown) => {
      transport = undefined;
      throw error;
    });
    await mailer.sendMail({ from: `${quoteDisplayName(options.from.name)} <${options.from.email}>`, ...message });
  };
}

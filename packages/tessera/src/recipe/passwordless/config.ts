/** Checks and normalises `Passwordless.init(config)` once, at init. */
import { ConfigError } from "../../core/errors.js";
import { isValidEmail, isValidPhoneNumber } from "./contact.js";
import { consoleEmailDelivery, consoleSmsDelivery } from "./delivery.js";
import type { ContactMethod, ContactValidator, FlowType, NormalisedPasswordlessConfig, PasswordlessConfig } from "./types.js";

const CONTACT_METHODS: readonly ContactMethod[] = ["EMAIL", "PHONE", "EMAIL_OR_PHONE"];
const FLOW_TYPES: readonly FlowType[] = ["USER_INPUT_CODE", "MAGIC_LINK", "USER_INPUT_CODE_AND_MAGIC_LINK"];
/** ASVS 6.5.5 / NIST 800-63B 5.1.3.2: out-of-band codes live at most 10 minutes. */
export const DEFAULT_CODE_LIFETIME_S = 600;
const MAX_CODE_LIFETIME_S = 86_400;
/** supertokens core's `passwordless_max_code_input_attempts`, and SEC-42. */
export const MAX_CODE_INPUT_ATTEMPTS = 5;

function validator(builtIn: (value: string) => string | undefined, custom: ContactValidator | undefined, field: string) {
  if (custom !== undefined && typeof custom !== "function") throw new ConfigError(`Passwordless.init: ${field} must be a function`);
  // The built-in check always runs: an app's validator adds rules, it cannot let a malformed contact through.
  return async (value: string, tenantId: string, userContext: Record<string, unknown>) => builtIn(value) ?? (custom ? ((await custom(value, tenantId, userContext)) ?? undefined) : undefined);
}

function delivery<T extends object>(value: T | undefined, fallback: T, method: string, field: string): T {
  const chosen = value ?? fallback;
  if (typeof chosen !== "object" || chosen === null || typeof (chosen as Record<string, unknown>)[method] !== "function") {
    throw new ConfigError(`Passwordless.init: ${field} must be an object with ${method}(input)`);
  }
  return chosen;
}

export function normalisePasswordlessConfig(config: PasswordlessConfig): NormalisedPasswordlessConfig {
  if (typeof config !== "object" || config === null) throw new ConfigError('Passwordless.init needs { contactMethod, flowType }, e.g. { contactMethod: "EMAIL", flowType: "USER_INPUT_CODE" }');
  if (!CONTACT_METHODS.includes(config.contactMethod)) throw new ConfigError(`Passwordless.init: contactMethod must be one of ${CONTACT_METHODS.join(", ")}`);
  if (!FLOW_TYPES.includes(config.flowType)) throw new ConfigError(`Passwordless.init: flowType must be one of ${FLOW_TYPES.join(", ")}`);
  const lifetime = config.codeLifetime ?? DEFAULT_CODE_LIFETIME_S;
  if (typeof lifetime !== "number" || !Number.isInteger(lifetime) || lifetime < 1 || lifetime > MAX_CODE_LIFETIME_S) {
    throw new ConfigError(`Passwordless.init: codeLifetime must be a whole number of seconds from 1 to ${MAX_CODE_LIFETIME_S} (default ${DEFAULT_CODE_LIFETIME_S})`);
  }
  return {
    contactMethod: config.contactMethod,
    flowType: config.flowType,
    codeLifetimeMs: lifetime * 1000,
    maxCodeInputAttempts: MAX_CODE_INPUT_ATTEMPTS,
    emailDelivery: delivery(config.emailDelivery, consoleEmailDelivery, "sendEmail", "emailDelivery"),
    smsDelivery: delivery(config.smsDelivery, consoleSmsDelivery, "sendSms", "smsDelivery"),
    validateEmail: validator((email) => (isValidEmail(email) ? undefined : "Email is invalid"), config.validateEmailAddress, "validateEmailAddress"),
    validatePhoneNumber: validator((phone) => (isValidPhoneNumber(phone) ? undefined : "Phone number is invalid"), config.validatePhoneNumber, "validatePhoneNumber"),
  };
}

/** The factor ids a contact kind gives under a flow type (protocol 4.3): `otp-*` for codes, `link-*` for links. */
export function factorIdsFor(kind: "email" | "phone", flowType: FlowType): string[] {
  const ids: string[] = [];
  if (flowType !== "MAGIC_LINK") ids.push(`otp-${kind}`);
  if (flowType !== "USER_INPUT_CODE") ids.push(`link-${kind}`);
  return ids;
}

/** The flow type that offers exactly these factors: all `link-*` → MAGIC_LINK, all `otp-*` → USER_INPUT_CODE, else both. */
export function flowTypeFor(factorIds: readonly string[]): FlowType {
  if (factorIds.every((id) => id.startsWith("link-"))) return "MAGIC_LINK";
  if (factorIds.every((id) => id.startsWith("otp-"))) return "USER_INPUT_CODE";
  return "USER_INPUT_CODE_AND_MAGIC_LINK";
}

/** Every factor id the configured recipe can complete. */
export function configuredFactorIds(config: Pick<NormalisedPasswordlessConfig, "contactMethod" | "flowType">): string[] {
  const kinds: ("email" | "phone")[] = config.contactMethod === "EMAIL" ? ["email"] : config.contactMethod === "PHONE" ? ["phone"] : ["email", "phone"];
  return kinds.flatMap((kind) => factorIdsFor(kind, config.flowType));
}

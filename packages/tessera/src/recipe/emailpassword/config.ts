/** Checks and normalises `EmailPassword.init(config)` once, at init. */
import { ConfigError } from "../../core/errors.js";
import { consoleEmailDelivery } from "./delivery.js";
import { isValidEmail, normaliseEmail } from "../../core/email.js";
import { makePasswordCheck, type PasswordCheck } from "./password-policy.js";
import type { EmailPasswordConfig, FieldValidator, FormFieldConfig, NormalisedEmailPasswordConfig, NormalisedFormField } from "./types.js";

export const EMAIL_ID = "email";
export const PASSWORD_ID = "password";

const DEFAULT_RESET_TOKEN_LIFETIME_S = 15 * 60;

/** Runs the built-in check first and the app's own `validate` (if any) only when it passed. */
function chain(builtIn: FieldValidator, custom: FieldValidator | undefined): FieldValidator {
  if (!custom) return builtIn;
  return async (value, tenantId, userContext) => (await builtIn(value, tenantId, userContext)) ?? (await custom(value, tenantId, userContext)) ?? undefined;
}

const validateEmail: FieldValidator = (value) => (typeof value === "string" && isValidEmail(normaliseEmail(value)) ? undefined : "Email is invalid");

function passwordValidator(check: PasswordCheck): FieldValidator {
  return (value, tenantId, userContext) => (typeof value === "string" ? check(value, tenantId, userContext) : "Password is invalid");
}

function checkFormFields(fields: unknown): FormFieldConfig[] {
  if (fields === undefined) return [];
  if (!Array.isArray(fields)) throw new ConfigError("EmailPassword.init: signUpFeature.formFields must be an array of { id, validate?, optional? }");
  const seen = new Set<string>();
  for (const field of fields as FormFieldConfig[]) {
    if (typeof field !== "object" || field === null || typeof field.id !== "string" || field.id === "") {
      throw new ConfigError("EmailPassword.init: every signUpFeature.formFields entry needs a non-empty string id");
    }
    if (seen.has(field.id)) throw new ConfigError(`EmailPassword.init: signUpFeature.formFields has the id "${field.id}" twice`);
    if (field.validate !== undefined && typeof field.validate !== "function") throw new ConfigError(`EmailPassword.init: formFields "${field.id}".validate must be a function`);
    seen.add(field.id);
  }
  return fields as FormFieldConfig[];
}

function seconds(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback * 1000;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new ConfigError(`EmailPassword.init: ${field} must be a positive number of seconds`);
  return value * 1000;
}

export function normaliseEmailPasswordConfig(config: EmailPasswordConfig = {}): NormalisedEmailPasswordConfig {
  const custom = checkFormFields(config.signUpFeature?.formFields);
  const checkPassword = makePasswordCheck(config.passwordPolicy);
  const customEmail = custom.find((f) => f.id === EMAIL_ID)?.validate;
  const customPassword = custom.find((f) => f.id === PASSWORD_ID)?.validate;
  // The built-in checks always run: an app's validator adds rules, it cannot switch off the policy.
  const email: NormalisedFormField = { id: EMAIL_ID, validate: chain(validateEmail, customEmail), optional: false };
  const password: NormalisedFormField = { id: PASSWORD_ID, validate: chain(passwordValidator(checkPassword), customPassword), optional: false };
  const others = custom
    .filter((f) => f.id !== EMAIL_ID && f.id !== PASSWORD_ID)
    .map((f): NormalisedFormField => ({ id: f.id, validate: f.validate ?? (() => undefined), optional: f.optional ?? false }));

  const delivery = config.emailDelivery ?? consoleEmailDelivery;
  if (typeof delivery !== "object" || delivery === null || typeof delivery.sendEmail !== "function") {
    throw new ConfigError("EmailPassword.init: emailDelivery must be an object with sendEmail(input)");
  }

  return {
    signUpFormFields: [email, password, ...others],
    // Sign-in checks only that a password was given: the policy applies when one is chosen.
    signInFormFields: [email, { id: PASSWORD_ID, validate: () => undefined, optional: false }],
    resetTokenFormFields: [email],
    resetPasswordFormFields: [password],
    emailDelivery: delivery,
    resetTokenLifetimeMs: seconds(config.resetTokenLifetime, DEFAULT_RESET_TOKEN_LIFETIME_S, "resetTokenLifetime"),
    checkPassword,
  };
}

/**
 * Reading the request: the JSON body, `formFields` (protocol 4.2) and the account-linking flag.
 * Malformed input throws {@link BadInputError} (400 `{"message"}`); values that are well formed
 * but not acceptable become `FIELD_ERROR` entries.
 */
import { BadInputError } from "../../core/errors.js";
import { readJSONBody, type HttpRequest } from "../../core/http.js";
import type { UserContext } from "../../core/recipe.js";
import { EMAIL_ID, PASSWORD_ID } from "./config.js";
import type { FieldError, FormField, NormalisedFormField } from "./types.js";

/** The body as a JSON object; anything else (an array, null, a number) is bad input. */
export async function readBody(req: HttpRequest): Promise<Record<string, unknown>> {
  const body = await readJSONBody(req);
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new BadInputError("Request body must be a JSON object");
  return body as Record<string, unknown>;
}

/**
 * Checks the shape of `formFields` against the form's configured fields and trims the email.
 * Unknown ids are tolerated (and ignored) as supertokens does, within the configured count.
 */
export function readFormFields(raw: unknown, configured: readonly NormalisedFormField[]): FormField[] {
  if (raw === undefined) throw new BadInputError("Missing input param: formFields");
  if (!Array.isArray(raw)) throw new BadInputError("formFields must be an array");
  if (raw.length > configured.length) throw new BadInputError("Are you sending too many formFields?");
  const seen = new Set<string>();
  return raw.map((item: unknown): FormField => {
    if (typeof item !== "object" || item === null || Array.isArray(item)) throw new BadInputError("All elements of formFields must be an object");
    const { id, value } = item as { id?: unknown; value?: unknown };
    if (typeof id !== "string" || value === undefined) throw new BadInputError("All elements of formFields must contain an 'id' and 'value' field");
    if (seen.has(id)) throw new BadInputError(`formFields contains the id "${id}" more than once`);
    seen.add(id);
    if (id === EMAIL_ID || id === PASSWORD_ID) {
      if (typeof value !== "string") throw new BadInputError(`The value of formFields with id = ${id} must be a string`);
      // Emails are trimmed (protocol 4.2); passwords never are (ASVS 6.2.8).
      return { id, value: id === EMAIL_ID ? value.trim() : value };
    }
    return { id, value };
  });
}

/** Runs each configured field's validator; a missing or empty required field is "Field is not optional". */
export async function validateFormFields(fields: readonly FormField[], configured: readonly NormalisedFormField[], tenantId: string, userContext: UserContext): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  for (const field of configured) {
    const input = fields.find((f) => f.id === field.id);
    const present = input !== undefined && input.value !== null && input.value !== "";
    if (!present) {
      if (!field.optional) errors.push({ id: field.id, error: "Field is not optional" });
      continue;
    }
    const error = await field.validate(input.value, tenantId, userContext);
    if (error !== undefined) errors.push({ id: field.id, error });
  }
  return errors;
}

/** The value of a field `readFormFields` has checked to be a string. */
export function stringField(fields: readonly FormField[], id: string): string {
  const value = fields.find((f) => f.id === id)?.value;
  return typeof value === "string" ? value : "";
}

/**
 * `shouldTryLinkingWithSessionUser` (protocol 4.0): read only for FDI 3.1 and later (a missing
 * `fdi-version` means the latest). Linking email+password to the session user as a second factor
 * is not supported yet, so `true` is answered with 400 rather than silently signing in anew.
 */
export function rejectSessionLinking(req: HttpRequest, body: Record<string, unknown>): void {
  const flag = body.shouldTryLinkingWithSessionUser;
  if (flag === undefined || !readsLinkingFlag(req.getHeader("fdi-version"))) return;
  if (typeof flag !== "boolean") throw new BadInputError("shouldTryLinkingWithSessionUser must be a boolean");
  if (flag) {
    throw new BadInputError("shouldTryLinkingWithSessionUser is not supported: email and password can only be a first factor in this version");
  }
}

function readsLinkingFlag(header: string | undefined): boolean {
  if (header === undefined || header.trim() === "") return true;
  return header.split(",").some((version) => {
    const [major = 0, minor = 0] = version.trim().split(".").map(Number);
    return major > 3 || (major === 3 && minor >= 1);
  });
}

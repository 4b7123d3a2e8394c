/**
 * Emails and phone numbers: the normalised form is what is stored, looked up, rate-limited and
 * sent to, so two spellings of one contact always meet.
 *
 * - Emails as the emailpassword recipe normalises them (trim, NFC, ASCII lower case), so a
 *   passwordless email and an email-password email compare byte for byte.
 * - Phone numbers in E.164 with `libphonenumber-js`, using its "max" metadata: full per-country
 *   number patterns, not only lengths, so a number that cannot exist is refused before an SMS is
 *   paid for (SMS pumping feeds on such numbers). The larger metadata only costs server memory.
 */
import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import { BadInputError } from "../../core/errors.js";
import type { PasswordlessContact } from "../../core/storage.js";
// The emailpassword recipe's own normaliser (not a second copy of its rules); see email.ts there.
import { isValidEmail, normaliseEmail } from "../../core/email.js";
import type { Contact } from "./types.js";

export { isValidEmail, normaliseEmail };

/** The E.164 form when the input parses as a phone number (with its `+` country code), else the input trimmed. */
export function normalisePhoneNumber(input: string): string {
  const trimmed = input.trim();
  const parsed = parsePhoneNumberFromString(trimmed);
  return parsed ? parsed.number : trimmed;
}

/** True when an E.164 number is a number that can exist (its country's patterns, "max" metadata). */
export function isValidPhoneNumber(phoneNumber: string): boolean {
  return parsePhoneNumberFromString(phoneNumber)?.isValid() === true && phoneNumber.startsWith("+");
}

/** The contact in its stored form; exactly one of email and phoneNumber must be a string (misuse throws). */
export function normaliseContact(contact: Contact): PasswordlessContact {
  const { email, phoneNumber } = contact as { email?: unknown; phoneNumber?: unknown };
  if (typeof email === "string" && phoneNumber === undefined) return { email: normaliseEmail(email) };
  if (typeof phoneNumber === "string" && email === undefined) return { phoneNumber: normalisePhoneNumber(phoneNumber) };
  throw new BadInputError("Give exactly one of email and phoneNumber, as a string");
}

export function contactKind(contact: PasswordlessContact | { email: string | null; phoneNumber: string | null }): "email" | "phone" {
  return "email" in contact && contact.email !== null && contact.email !== undefined ? "email" : "phone";
}

/** The identifier a limit counts under: kind and normalised value. */
export function contactKey(contact: PasswordlessContact): string {
  return "email" in contact ? `email:${contact.email}` : `phone:${contact.phoneNumber}`;
}

/** `{email}` or `{phoneNumber}` of a stored row with one of them set. */
export function contactOf(row: { email: string | null; phoneNumber: string | null }): PasswordlessContact {
  return row.email !== null ? { email: row.email } : { phoneNumber: row.phoneNumber as string };
}

/**
 * Users as the recipe sees them: passwordless users (their own table), and, for the second
 * factor, any user of the app by id (an email-password user's email is a contact a code may be
 * sent to). Accounts are not linked: a passwordless sign-in with an email that belongs to an
 * email-password user makes a separate passwordless user (see index.ts).
 */
import type { Storage } from "../../core/storage.js";
import { emailPasswordUser, passwordlessUser, type User } from "../../core/user.js";

/**
 * User metadata key: the contact kinds ("email", "phone") a user who is not a passwordless user
 * has completed as a second factor. From then on that factor counts as set up for them, as a
 * linked passwordless login method does in supertokens (e.g. for the "users-with-factors" policy).
 */
const SECOND_FACTOR_KINDS_KEY = "passwordlessSecondFactorKinds";

export type ContactKind = "email" | "phone";

/** Any user by id, from the login methods this recipe knows. */
export async function findUser(storage: Storage, userId: string): Promise<User | undefined> {
  const passwordless = await storage.passwordless.getUserById(userId);
  if (passwordless) return passwordlessUser(passwordless);
  const emailPassword = await storage.emailPassword.getUserById(userId);
  return emailPassword ? emailPasswordUser(emailPassword) : undefined;
}

/** Every email and phone number the user has, over their login methods, without repeats. */
export async function contactsOfUser(storage: Storage, userId: string): Promise<{ emails: string[]; phoneNumbers: string[] }> {
  const user = await findUser(storage, userId);
  return { emails: [...new Set(user?.emails ?? [])], phoneNumbers: [...new Set(user?.phoneNumbers ?? [])] };
}

/** The contact kinds a user has set up as a passwordless factor. */
export async function kindsSetUp(storage: Storage, userId: string): Promise<Set<ContactKind>> {
  const kinds = new Set<ContactKind>();
  const row = await storage.passwordless.getUserById(userId);
  if (row?.email != null) kinds.add("email");
  if (row?.phoneNumber != null) kinds.add("phone");
  const recorded = (await storage.users.getMetadata(userId))[SECOND_FACTOR_KINDS_KEY];
  if (Array.isArray(recorded)) for (const kind of recorded) if (kind === "email" || kind === "phone") kinds.add(kind);
  return kinds;
}

/** Records that a user completed a kind as a second factor (nothing for passwordless users, whose rows say it). */
export async function recordSecondFactorKind(storage: Storage, userId: string, kind: ContactKind): Promise<void> {
  if (await storage.passwordless.getUserById(userId)) return;
  const current = (await storage.users.getMetadata(userId))[SECOND_FACTOR_KINDS_KEY];
  const kinds = Array.isArray(current) ? current.filter((k): k is ContactKind => k === "email" || k === "phone") : [];
  if (!kinds.includes(kind)) await storage.users.updateMetadata(userId, { [SECOND_FACTOR_KINDS_KEY]: [...kinds, kind] });
}

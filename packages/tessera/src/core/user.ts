/**
 * The user object of the frontend driver interface (FDI 3.0), as `OK {user}` carries it, and how
 * each recipe's stored row becomes one. Declared once here: the recipes that sign users in share
 * it, and a recipe that finds a user of another (passwordless sending a second-factor code to an
 * email-password user) builds it without importing that recipe. No account linking: every user
 * has exactly one login method, and `isPrimaryUser` is false.
 */
import type { EmailPasswordUserRow, PasswordlessUserRow } from "./storage.js";

/** One login method of a user. */
export interface LoginMethod {
  recipeId: "emailpassword" | "passwordless";
  recipeUserId: string;
  verified: boolean;
  tenantIds: string[];
  timeJoined: number;
  email?: string;
  phoneNumber?: string;
}

/** The user object of FDI 3.0. */
export interface User {
  id: string;
  timeJoined: number;
  isPrimaryUser: boolean;
  tenantIds: string[];
  emails: string[];
  phoneNumbers: string[];
  thirdParty: { id: string; userId: string }[];
  loginMethods: LoginMethod[];
}

function userOf(method: LoginMethod): User {
  return {
    id: method.recipeUserId,
    timeJoined: method.timeJoined,
    isPrimaryUser: false,
    tenantIds: [...method.tenantIds],
    emails: method.email === undefined ? [] : [method.email],
    phoneNumbers: method.phoneNumber === undefined ? [] : [method.phoneNumber],
    thirdParty: [],
    loginMethods: [method],
  };
}

/** An email-password user. Its email is not verified by signing up (the emailverification recipe says whether it is). */
export function emailPasswordUser(row: EmailPasswordUserRow): User {
  return userOf({ recipeId: "emailpassword", recipeUserId: row.userId, verified: false, tenantIds: [row.tenantId], timeJoined: row.timeJoined, email: row.email });
}

/** A passwordless user. Its contacts are verified: a code reached them. */
export function passwordlessUser(row: PasswordlessUserRow): User {
  return userOf({
    recipeId: "passwordless",
    recipeUserId: row.userId,
    verified: true,
    tenantIds: [row.tenantId],
    timeJoined: row.timeJoined,
    ...(row.email === null ? {} : { email: row.email }),
    ...(row.phoneNumber === null ? {} : { phoneNumber: row.phoneNumber }),
  });
}

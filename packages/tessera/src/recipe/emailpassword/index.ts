/**
 * `tessera/recipe/emailpassword`: sign-up and sign-in with email and password, and password reset
 * by emailed link, speaking supertokens' frontend driver interface (protocol 4.2).
 *
 * Passwords follow OWASP ASVS 5.0 6.2: 8 to 1024 characters, no composition rules, common
 * passwords rejected, argon2id, never truncated. A password reset revokes every session of the
 * user and does not sign them in. Email and password is a first factor only in this version
 * (`shouldTryLinkingWithSessionUser: true` is answered with 400).
 *
 * @example
 * import EmailPassword from "tessera/recipe/emailpassword";
 * tessera.init({ appInfo, recipeList: [Session.init(), EmailPassword.init({ emailDelivery: { sendEmail: async (input) => mailer.send(input) } })] });
 */
import { ConfigError } from "../../core/errors.js";
import type { RecipeFactory } from "../../core/recipe.js";
import type { SessionContainer } from "../session/index.js";
import { emailPasswordRecipeFactory, getEmailPasswordRecipe } from "./recipe.js";
import { resetPasswordLink, resetPasswordWithToken, sendResetPasswordEmailToUser } from "./reset.js";
import type { EmailPasswordConfig, SignInResult, SignUpResult, UpdateEmailOrPasswordResult, User, UserContext } from "./types.js";

export type {
  APIInterface,
  APIOptions,
  EmailDelivery,
  EmailPasswordConfig,
  FieldError,
  FormField,
  FormFieldConfig,
  LoginMethod,
  PasswordPolicyConfig,
  PasswordResetEmailInput,
  RecipeInterface,
  SignInResult,
  SignUpResult,
  UpdateEmailOrPasswordResult,
  User,
  UserContext,
} from "./types.js";
export { createSMTPEmailDelivery, type SMTPEmailDeliveryOptions } from "./delivery.js";

const recipe = () => getEmailPasswordRecipe();
const impl = () => recipe().recipeImplementation;

function noLinking(session: SessionContainer | undefined, name: string): void {
  if (session !== undefined) throw new ConfigError(`EmailPassword.${name}: linking to a session user is not supported in this version; pass undefined as the session`);
}

/** Builds the emailpassword recipe for `recipeList` (Session.init() must be there too). */
export function init(config?: EmailPasswordConfig): RecipeFactory {
  return emailPasswordRecipeFactory(config);
}

/** Creates a user; the password policy is the caller's to apply (the sign-up endpoint does). Creates no session. */
export async function signUp(tenantId: string, email: string, password: string, session?: SessionContainer, userContext: UserContext = {}): Promise<SignUpResult> {
  noLinking(session, "signUp");
  return impl().signUp({ email, password, tenantId, userContext });
}

/** Checks email and password; creates no session. */
export async function signIn(tenantId: string, email: string, password: string, session?: SessionContainer, userContext: UserContext = {}): Promise<SignInResult> {
  noLinking(session, "signIn");
  return impl().signIn({ email, password, tenantId, userContext });
}

/** A single-use reset token for the user (email must be the user's), valid for `resetTokenLifetime`. */
export async function createResetPasswordToken(tenantId: string, userId: string, email: string, userContext: UserContext = {}) {
  return impl().createResetPasswordToken({ userId, email, tenantId, userContext });
}

/** The reset link for the user, as the email carries it. */
export async function createResetPasswordLink(
  tenantId: string,
  userId: string,
  email: string,
  userContext: UserContext = {},
): Promise<{ status: "OK"; link: string } | { status: "UNKNOWN_USER_ID_ERROR" }> {
  const created = await impl().createResetPasswordToken({ userId, email, tenantId, userContext });
  return created.status === "OK" ? { status: "OK", link: resetPasswordLink(recipe().appInfo, created.token, tenantId) } : created;
}

/** Creates a token and sends the reset email through the configured delivery, waiting for it. */
export async function sendResetPasswordEmail(tenantId: string, userId: string, email: string, userContext: UserContext = {}) {
  const { config, appInfo, recipeImplementation } = recipe();
  return sendResetPasswordEmailToUser({ recipe: recipeImplementation, config, appInfo, userId, email, tenantId, userContext });
}

/** Applies the password policy, consumes the token, sets the password and revokes all the user's sessions. */
export async function resetPasswordUsingToken(
  tenantId: string,
  token: string,
  newPassword: string,
  userContext: UserContext = {},
): Promise<{ status: "OK" } | { status: "RESET_PASSWORD_INVALID_TOKEN_ERROR" } | { status: "PASSWORD_POLICY_VIOLATED_ERROR"; failureReason: string }> {
  const failureReason = await recipe().config.checkPassword(newPassword, tenantId, userContext);
  if (failureReason !== undefined) return { status: "PASSWORD_POLICY_VIOLATED_ERROR", failureReason };
  const result = await resetPasswordWithToken(impl(), { token, newPassword, tenantId, userContext });
  return result.status === "OK" ? { status: "OK" } : result;
}

/** Uses up a reset token and says whose it was, without changing the password. */
export async function consumePasswordResetToken(tenantId: string, token: string, userContext: UserContext = {}) {
  return impl().consumePasswordResetToken({ token, tenantId, userContext });
}

/**
 * Changes a user's email and/or password (the policy applies unless `applyPasswordPolicy: false`).
 * Sessions are left as they are: revoke the user's other sessions after a password change
 * (ASVS 7.4.3), and call this only from a route that requires a completed MFA session and the
 * current password (SEC-34, ASVS 6.2.3 and 7.5.1).
 */
export async function updateEmailOrPassword(input: {
  recipeUserId: string | { getAsString(): string };
  email?: string;
  password?: string;
  applyPasswordPolicy?: boolean;
  tenantIdForPasswordPolicy?: string;
  userContext?: UserContext;
}): Promise<UpdateEmailOrPasswordResult> {
  const recipeUserId = typeof input.recipeUserId === "string" ? input.recipeUserId : input.recipeUserId.getAsString();
  return impl().updateEmailOrPassword({
    recipeUserId,
    email: input.email,
    password: input.password,
    applyPasswordPolicy: input.applyPasswordPolicy,
    tenantIdForPasswordPolicy: input.tenantIdForPasswordPolicy ?? "public",
    userContext: input.userContext ?? {},
  });
}

export async function getUserById(userId: string, userContext: UserContext = {}): Promise<User | undefined> {
  return impl().getUserById({ userId, userContext });
}

/** The user with this email in the tenant (any spelling that normalises to the stored one). */
export async function getUserByEmail(tenantId: string, email: string, userContext: UserContext = {}): Promise<User | undefined> {
  return impl().getUserByEmail({ tenantId, email, userContext });
}

const EmailPassword = {
  init,
  signUp,
  signIn,
  createResetPasswordToken,
  createResetPasswordLink,
  sendResetPasswordEmail,
  resetPasswordUsingToken,
  consumePasswordResetToken,
  updateEmailOrPassword,
  getUserById,
  getUserByEmail,
};

export default EmailPassword;

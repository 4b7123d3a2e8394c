/**
 * `tessera/recipe/emailverification`: proving that a user owns their email address, with the
 * `st-ev` session claim and the endpoints supertokens' frontend calls (protocol 4.6).
 *
 * Every new session gets `st-ev`. In `REQUIRED` mode its `isVerified` validator joins the global
 * list, so every `verifySession` answers 403 until the email is verified; the verification
 * endpoints themselves skip it. Tokens are 32 random bytes, stored as sha256, single use and
 * valid for 15 minutes unless configured; the email goes through the app's delivery function
 * (the console by default). A user with no email counts as verified.
 *
 * @example
 * import EmailVerification from "tessera/recipe/emailverification";
 * tessera.init({ appInfo, recipeList: [Session.init(), EmailPassword.init(),
 *   EmailVerification.init({ mode: "REQUIRED", emailDelivery: { sendEmail: async (input) => mailer.send(input) } })] });
 */
import { TesseraError } from "../../core/errors.js";
import type { RecipeFactory } from "../../core/recipe.js";
import { emailVerifyLink } from "./api.js";
import { EmailVerificationClaim } from "./claim.js";
import { emailVerificationRecipeFactory, getEmailVerificationRecipe } from "./recipe.js";
import type { CreateEmailVerificationTokenResult, EmailVerificationConfig, UserContext, VerifyEmailUsingTokenResult } from "./types.js";

export type {
  APIInterface,
  APIOptions,
  CreateEmailVerificationTokenResult,
  EmailDelivery,
  EmailVerificationConfig,
  EmailVerificationEmailInput,
  EmailVerificationMode,
  GetEmailForRecipeUserIdResult,
  RecipeInterface,
  UserContext,
  VerifyEmailUsingTokenResult,
} from "./types.js";
export type { EmailVerificationClaimValidators } from "./claim.js";
export { EmailVerificationClaim };

/** A recipe user id as a string, or as supertokens' `RecipeUserId` object. */
type RecipeUserIdInput = string | { getAsString(): string };

const recipe = () => getEmailVerificationRecipe();
const impl = () => recipe().recipeImplementation;
const idOf = (recipeUserId: RecipeUserIdInput) => (typeof recipeUserId === "string" ? recipeUserId : recipeUserId.getAsString());

/** The given email, or the user's; undefined when the user has no email. */
async function resolveEmail(recipeUserId: string, email: string | undefined, userContext: UserContext): Promise<string | undefined> {
  if (email !== undefined) return email;
  const info = await recipe().config.getEmailForRecipeUserId(recipeUserId, userContext);
  if (info.status === "UNKNOWN_USER_ID_ERROR") throw new TesseraError("UNKNOWN_USER_ID", "Unknown user id provided without an email");
  return info.status === "OK" ? info.email : undefined;
}

/** Builds the email verification recipe for `recipeList` (Session.init() must be there too). */
export function init(config: EmailVerificationConfig): RecipeFactory {
  return emailVerificationRecipeFactory(config);
}

/** A single-use token for the user's email (looked up when not given). */
export async function createEmailVerificationToken(tenantId: string, recipeUserId: RecipeUserIdInput, email?: string, userContext: UserContext = {}): Promise<CreateEmailVerificationTokenResult> {
  const id = idOf(recipeUserId);
  const address = await resolveEmail(id, email, userContext);
  if (address === undefined) return { status: "EMAIL_ALREADY_VERIFIED_ERROR" };
  return impl().createEmailVerificationToken({ recipeUserId: id, email: address, tenantId, userContext });
}

/** The verification link, as the email carries it. */
export async function createEmailVerificationLink(
  tenantId: string,
  recipeUserId: RecipeUserIdInput,
  email?: string,
  userContext: UserContext = {},
): Promise<{ status: "OK"; link: string } | { status: "EMAIL_ALREADY_VERIFIED_ERROR" }> {
  const created = await createEmailVerificationToken(tenantId, recipeUserId, email, userContext);
  return created.status === "OK" ? { status: "OK", link: emailVerifyLink(recipe().appInfo, created.token, tenantId) } : created;
}

/** Creates a token and sends the email through the configured delivery, waiting for it. */
export async function sendEmailVerificationEmail(
  tenantId: string,
  userId: string,
  recipeUserId: RecipeUserIdInput,
  email?: string,
  userContext: UserContext = {},
): Promise<{ status: "OK" } | { status: "EMAIL_ALREADY_VERIFIED_ERROR" }> {
  const id = idOf(recipeUserId);
  const address = await resolveEmail(id, email, userContext);
  if (address === undefined) return { status: "EMAIL_ALREADY_VERIFIED_ERROR" };
  const created = await impl().createEmailVerificationToken({ recipeUserId: id, email: address, tenantId, userContext });
  if (created.status !== "OK") return created;
  await recipe().config.emailDelivery.sendEmail({
    type: "EMAIL_VERIFICATION",
    user: { id: userId, recipeUserId: id, email: address },
    emailVerifyLink: emailVerifyLink(recipe().appInfo, created.token, tenantId),
    tenantId,
    userContext,
  });
  return { status: "OK" };
}

/** Uses up a token and marks its email verified. Sessions see it on their next refetch of `st-ev`. */
export async function verifyEmailUsingToken(tenantId: string, token: string, attemptAccountLinking = true, userContext: UserContext = {}): Promise<VerifyEmailUsingTokenResult> {
  return impl().verifyEmailUsingToken({ token, tenantId, attemptAccountLinking, userContext });
}

/** True when the email (the user's, when not given) is verified; true for a user with no email. */
export async function isEmailVerified(recipeUserId: RecipeUserIdInput, email?: string, userContext: UserContext = {}): Promise<boolean> {
  const id = idOf(recipeUserId);
  const address = await resolveEmail(id, email, userContext);
  return address === undefined || impl().isEmailVerified({ recipeUserId: id, email: address, userContext });
}

/** Voids every unused link sent for the user's email in the tenant. */
export async function revokeEmailVerificationTokens(tenantId: string, recipeUserId: RecipeUserIdInput, email?: string, userContext: UserContext = {}): Promise<{ status: "OK" }> {
  const id = idOf(recipeUserId);
  const address = await resolveEmail(id, email, userContext);
  if (address === undefined) return { status: "OK" };
  return impl().revokeEmailVerificationTokens({ recipeUserId: id, email: address, tenantId, userContext });
}

/** Marks the email unverified. Sessions see it on their next refetch of `st-ev` (or at once with `fetchAndSetClaim`). */
export async function unverifyEmail(recipeUserId: RecipeUserIdInput, email?: string, userContext: UserContext = {}): Promise<{ status: "OK" }> {
  const id = idOf(recipeUserId);
  const address = await resolveEmail(id, email, userContext);
  if (address === undefined) return { status: "OK" };
  return impl().unverifyEmail({ recipeUserId: id, email: address, userContext });
}

const EmailVerification = {
  init,
  EmailVerificationClaim,
  createEmailVerificationToken,
  createEmailVerificationLink,
  sendEmailVerificationEmail,
  verifyEmailUsingToken,
  isEmailVerified,
  revokeEmailVerificationTokens,
  unverifyEmail,
};

export default EmailVerification;

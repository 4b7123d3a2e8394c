/**
 * The password-reset flow shared by the endpoints and the module functions: issue a token and
 * mail its link, and complete a reset with a token.
 */
import type { AppInfo } from "../../core/app-info.js";
import Session from "../session/index.js";
import type { NormalisedEmailPasswordConfig, RecipeInterface, UserContext } from "./types.js";

/** `{websiteDomain}{websiteBasePath}/reset-password?token=<t>&tenantId=<tid>` (protocol 4.2). */
export function resetPasswordLink(appInfo: AppInfo, token: string, tenantId: string): string {
  return `${appInfo.websiteDomain}${appInfo.websiteBasePath}/reset-password?token=${encodeURIComponent(token)}&tenantId=${encodeURIComponent(tenantId)}`;
}

/**
 * Creates a reset token for the user and mails its link to the user's *stored* address (never to
 * an address as typed in a request, so a look-alike spelling can never receive someone's link).
 */
export async function sendResetPasswordEmailToUser(input: {
  recipe: RecipeInterface;
  config: NormalisedEmailPasswordConfig;
  appInfo: AppInfo;
  userId: string;
  /** The address the token is for: it must be the user's (any spelling that normalises to it). */
  email: string;
  tenantId: string;
  userContext: UserContext;
}): Promise<{ status: "OK" } | { status: "UNKNOWN_USER_ID_ERROR" }> {
  const { recipe, config, appInfo, userId, tenantId, userContext } = input;
  const created = await recipe.createResetPasswordToken({ userId, email: input.email, tenantId, userContext });
  if (created.status !== "OK") return created;
  const email = (await recipe.getUserById({ userId, userContext }))?.emails[0];
  if (email === undefined) return { status: "UNKNOWN_USER_ID_ERROR" };
  await config.emailDelivery.sendEmail({
    type: "PASSWORD_RESET",
    user: { id: userId, email },
    passwordResetLink: resetPasswordLink(appInfo, created.token, tenantId),
    tenantId,
    userContext,
  });
  return { status: "OK" };
}

/**
 * Completes a reset whose new password already passed the policy: consumes the token, stores the
 * new hash and revokes every session of the user in every tenant (ASVS 7.4.3: whoever knew the
 * old password is signed out). No new session is created: the user signs in again, through MFA
 * when it is required, so a reset never bypasses a second factor (SEC-35, ASVS 6.4.3).
 */
export async function resetPasswordWithToken(
  recipe: RecipeInterface,
  input: { token: string; newPassword: string; tenantId: string; userContext: UserContext },
): Promise<{ status: "OK"; userId: string; email: string } | { status: "RESET_PASSWORD_INVALID_TOKEN_ERROR" }> {
  const consumed = await recipe.consumePasswordResetToken({ token: input.token, tenantId: input.tenantId, userContext: input.userContext });
  if (consumed.status !== "OK") return consumed;
  const updated = await recipe.updateEmailOrPassword({
    recipeUserId: consumed.userId,
    password: input.newPassword,
    applyPasswordPolicy: false,
    tenantIdForPasswordPolicy: input.tenantId,
    userContext: input.userContext,
  });
  // The user vanished between consuming the token and the update: the token is as good as invalid.
  if (updated.status !== "OK") return { status: "RESET_PASSWORD_INVALID_TOKEN_ERROR" };
  await Session.revokeAllSessionsForUser(consumed.userId, true, undefined, input.userContext);
  return consumed;
}

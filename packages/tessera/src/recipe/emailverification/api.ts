/**
 * The default APIInterface of the email verification recipe (protocol 4.6). Each endpoint that
 * has a session leaves `st-ev` in it as the answer says, so the new access and front tokens go
 * out with the same response.
 */
import type { AppInfo } from "../../core/app-info.js";
import { SessionError } from "../../core/errors.js";
import type { SessionContainer } from "../session/index.js";
import { EmailVerificationClaim } from "./claim.js";
import type { APIInterface, APIOptions, UserContext } from "./types.js";

/** `{websiteDomain}{websiteBasePath}/verify-email?token=<t>&tenantId=<tid>` (protocol 4.6). */
export function emailVerifyLink(appInfo: AppInfo, token: string, tenantId: string): string {
  return `${appInfo.websiteDomain}${appInfo.websiteBasePath}/verify-email?token=${encodeURIComponent(token)}&tenantId=${encodeURIComponent(tenantId)}`;
}

/** The session user's email; a user tessera does not know any more is signed out (401). */
async function emailOf(session: SessionContainer, options: APIOptions, userContext: UserContext): Promise<string | undefined> {
  const info = await options.config.getEmailForRecipeUserId(session.getRecipeUserId(userContext), userContext);
  if (info.status === "UNKNOWN_USER_ID_ERROR") throw SessionError.unauthorised("Unknown User ID provided");
  return info.status === "OK" ? info.email : undefined;
}

export function makeDefaultAPIs(): APIInterface {
  return {
    verifyEmailPOST: async ({ token, tenantId, session, options, userContext }) => {
      const result = await options.recipeImplementation.verifyEmailUsingToken({ token, tenantId, attemptAccountLinking: true, userContext });
      if (result.status !== "OK") return result;
      // Only the verified user's own session changes; a link opened in someone else's browser does not touch theirs.
      if (session !== undefined && session.getRecipeUserId(userContext) === result.user.recipeUserId) {
        await session.fetchAndSetClaim(EmailVerificationClaim, userContext);
      }
      return result;
    },

    isEmailVerifiedGET: async ({ session, options, userContext }) => {
      const email = await emailOf(session, options, userContext);
      // A user with no email has nothing to verify (protocol 2.4).
      const isVerified = email === undefined || (await options.recipeImplementation.isEmailVerified({ recipeUserId: session.getRecipeUserId(userContext), email, userContext }));
      await session.setClaimValue(EmailVerificationClaim, isVerified, userContext);
      return { status: "OK", isVerified };
    },

    generateEmailVerifyTokenPOST: async ({ session, options, userContext }) => {
      const recipeUserId = session.getRecipeUserId(userContext);
      const tenantId = session.getTenantId(userContext);
      const email = await emailOf(session, options, userContext);
      if (email === undefined) {
        await session.setClaimValue(EmailVerificationClaim, true, userContext);
        return { status: "EMAIL_ALREADY_VERIFIED_ERROR" };
      }
      const created = await options.recipeImplementation.createEmailVerificationToken({ recipeUserId, email, tenantId, userContext });
      const current = await session.getClaimValue(EmailVerificationClaim, userContext);
      if (created.status === "EMAIL_ALREADY_VERIFIED_ERROR") {
        // Verified elsewhere (another browser) while this session still says otherwise.
        if (current !== true) await session.fetchAndSetClaim(EmailVerificationClaim, userContext);
        return created;
      }
      // Unverified elsewhere (a changed email, `unverifyEmail`) while this session still says verified.
      if (current !== false) await session.fetchAndSetClaim(EmailVerificationClaim, userContext);
      await options.config.emailDelivery.sendEmail({
        type: "EMAIL_VERIFICATION",
        user: { id: session.getUserId(userContext), recipeUserId, email },
        emailVerifyLink: emailVerifyLink(options.appInfo, created.token, tenantId),
        tenantId,
        userContext,
      });
      return { status: "OK" };
    },
  };
}

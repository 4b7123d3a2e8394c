/** Types of the email verification recipe, declared once here and imported everywhere else. */
import type { AppInfo } from "../../core/app-info.js";
import type { HttpRequest, HttpResponse } from "../../core/http.js";
import type { UserContext } from "../../core/recipe.js";
import type { SessionContainer } from "../session/index.js";
import type { RecipeOverride } from "../../core/override.js";

export type { UserContext } from "../../core/recipe.js";

/** `REQUIRED`: every verifySession refuses an unverified email (403 `st-ev`). `OPTIONAL`: the claim is kept, routes opt in. */
export type EmailVerificationMode = "REQUIRED" | "OPTIONAL";

/** What the mailer receives. The link carries a secret: deliver it only to `user.email`. */
export interface EmailVerificationEmailInput {
  type: "EMAIL_VERIFICATION";
  user: { id: string; recipeUserId: string; email: string };
  emailVerifyLink: string;
  tenantId: string;
  userContext: UserContext;
}

export interface EmailDelivery {
  sendEmail(input: EmailVerificationEmailInput): Promise<void> | void;
}

export type GetEmailForRecipeUserIdResult = { status: "OK"; email: string } | { status: "EMAIL_DOES_NOT_EXIST_ERROR" } | { status: "UNKNOWN_USER_ID_ERROR" };

/** `EmailVerification.init(config)`. */
export interface EmailVerificationConfig {
  mode: EmailVerificationMode;
  /** Sends the verification email (default: prints the link with `console.log`, for development). */
  emailDelivery?: EmailDelivery;
  /**
   * The user's email. Asked first; when it answers `UNKNOWN_USER_ID_ERROR`, the built-in lookup
   * (the user's email-and-password login) is asked next. `EMAIL_DOES_NOT_EXIST_ERROR` means the
   * user has no email, and counts as verified.
   */
  getEmailForRecipeUserId?: (recipeUserId: string, userContext: UserContext) => Promise<GetEmailForRecipeUserIdResult>;
  /** Lifetime of a verification token in seconds (default 900: 15 minutes). */
  emailVerificationTokenLifetime?: number;
  override?: RecipeOverride<RecipeInterface, APIInterface>;
}

export interface NormalisedEmailVerificationConfig {
  mode: EmailVerificationMode;
  emailDelivery: EmailDelivery;
  getEmailForRecipeUserId: (recipeUserId: string, userContext: UserContext) => Promise<GetEmailForRecipeUserIdResult>;
  tokenLifetimeMs: number;
}

export type CreateEmailVerificationTokenResult = { status: "OK"; token: string } | { status: "EMAIL_ALREADY_VERIFIED_ERROR" };
export type VerifyEmailUsingTokenResult = { status: "OK"; user: { recipeUserId: string; email: string } } | { status: "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR" };

/** The overridable business functions of the email verification recipe (no HTTP). */
export interface RecipeInterface {
  createEmailVerificationToken(input: { recipeUserId: string; email: string; tenantId: string; userContext: UserContext }): Promise<CreateEmailVerificationTokenResult>;
  /** Single use: the token (and every other token for the same user and email) is gone afterwards. */
  verifyEmailUsingToken(input: { token: string; tenantId: string; attemptAccountLinking: boolean; userContext: UserContext }): Promise<VerifyEmailUsingTokenResult>;
  isEmailVerified(input: { recipeUserId: string; email: string; userContext: UserContext }): Promise<boolean>;
  revokeEmailVerificationTokens(input: { recipeUserId: string; email: string; tenantId: string; userContext: UserContext }): Promise<{ status: "OK" }>;
  unverifyEmail(input: { recipeUserId: string; email: string; userContext: UserContext }): Promise<{ status: "OK" }>;
}

export interface APIOptions {
  config: NormalisedEmailVerificationConfig;
  recipeImplementation: RecipeInterface;
  appInfo: AppInfo;
  req: HttpRequest;
  res: HttpResponse;
}

type GeneralError = { status: "GENERAL_ERROR"; message: string };

/** The overridable HTTP endpoints (protocol 4.6). `undefined` switches an endpoint off (404). */
export interface APIInterface {
  /** POST /user/email/verify: session optional; its `st-ev` is updated when it is the verified user's. */
  verifyEmailPOST:
    | undefined
    | ((input: { token: string; tenantId: string; session: SessionContainer | undefined; options: APIOptions; userContext: UserContext }) => Promise<
        { status: "OK"; user: { recipeUserId: string; email: string } } | { status: "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR" } | GeneralError
      >);
  /** GET /user/email/verify: session required; sets `st-ev` to the answer. */
  isEmailVerifiedGET: undefined | ((input: { session: SessionContainer; options: APIOptions; userContext: UserContext }) => Promise<{ status: "OK"; isVerified: boolean } | GeneralError>);
  /** POST /user/email/verify/token: session required; sends the email. */
  generateEmailVerifyTokenPOST:
    | undefined
    | ((input: { session: SessionContainer; options: APIOptions; userContext: UserContext }) => Promise<{ status: "OK" } | { status: "EMAIL_ALREADY_VERIFIED_ERROR" } | GeneralError>);
}

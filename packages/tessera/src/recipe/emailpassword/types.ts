/** Types of the emailpassword recipe, declared once here and imported everywhere else. */
import type { AppInfo } from "../../core/app-info.js";
import type { HttpRequest, HttpResponse } from "../../core/http.js";
import type { UserContext } from "../../core/recipe.js";
import type { SessionContainer } from "../session/index.js";
import type { LoginMethod, User } from "../../core/user.js";
import type { RecipeOverride } from "../../core/override.js";

export type { LoginMethod, User };

export type { UserContext } from "../../core/recipe.js";

/** A form field as the frontend sends it. `email` and `password` values are always strings. */
export interface FormField {
  id: string;
  value: unknown;
}

/** A field error as `FIELD_ERROR` carries it. */
export interface FieldError {
  id: string;
  error: string;
}

/** Returns an error text when the value is not acceptable, or undefined. */
export type FieldValidator = (value: unknown, tenantId: string, userContext: UserContext) => Promise<string | undefined> | string | undefined;

/** A sign-up form field. For `email` and `password`, `validate` runs after the built-in checks and `optional` is ignored. */
export interface FormFieldConfig {
  id: string;
  validate?: FieldValidator;
  optional?: boolean;
}

export interface NormalisedFormField {
  id: string;
  validate: FieldValidator;
  optional: boolean;
}

/** What the mailer receives. The link carries a secret: deliver it only to `user.email`. */
export interface PasswordResetEmailInput {
  type: "PASSWORD_RESET";
  user: { id: string; email: string };
  passwordResetLink: string;
  tenantId: string;
  userContext: UserContext;
}

export interface EmailDelivery {
  sendEmail(input: PasswordResetEmailInput): Promise<void> | void;
}

/**
 * Password rules for sign-up, reset and `updateEmailOrPassword` (never sign-in), after OWASP ASVS
 * 5.0 6.2: a length range and a common-password list, no composition rules.
 */
export interface PasswordPolicyConfig {
  /** Minimum length in code points (default 8; ASVS 6.2.1 forbids less, 15 is recommended). */
  minLength?: number;
  /** Maximum length in code points (default 1024): only a bound on work per request; ASVS 6.2.9 needs at least 64. */
  maxLength?: number;
  /** More passwords to reject besides the built-in list, e.g. the app's name (compared exactly). */
  blockList?: Iterable<string>;
  /** A further check (e.g. a breached-password service, ASVS 6.2.12): return an error text or undefined. */
  validate?: (password: string, tenantId: string, userContext: UserContext) => Promise<string | undefined> | string | undefined;
}

/** `EmailPassword.init(config)`: every field is optional. */
export interface EmailPasswordConfig {
  signUpFeature?: { formFields?: FormFieldConfig[] };
  /** Sends the reset email (default: prints the link with `console.log`, for development). */
  emailDelivery?: EmailDelivery;
  passwordPolicy?: PasswordPolicyConfig;
  /** Lifetime of a password-reset token in seconds (default 900: 15 minutes). */
  resetTokenLifetime?: number;
  override?: RecipeOverride<RecipeInterface, APIInterface>;
}

export interface NormalisedEmailPasswordConfig {
  signUpFormFields: NormalisedFormField[];
  signInFormFields: NormalisedFormField[];
  resetTokenFormFields: NormalisedFormField[];
  resetPasswordFormFields: NormalisedFormField[];
  emailDelivery: EmailDelivery;
  resetTokenLifetimeMs: number;
  /** The password policy as one check: an error text, or undefined when the password is acceptable. */
  checkPassword(password: string, tenantId: string, userContext: UserContext): Promise<string | undefined>;
}

type GeneralError = { status: "GENERAL_ERROR"; message: string };

export type SignUpResult = { status: "OK"; user: User; recipeUserId: string } | { status: "EMAIL_ALREADY_EXISTS_ERROR" };
export type SignInResult = { status: "OK"; user: User; recipeUserId: string } | { status: "WRONG_CREDENTIALS_ERROR" };
export type UpdateEmailOrPasswordResult =
  | { status: "OK" }
  | { status: "UNKNOWN_USER_ID_ERROR" }
  | { status: "EMAIL_ALREADY_EXISTS_ERROR" }
  | { status: "PASSWORD_POLICY_VIOLATED_ERROR"; failureReason: string };

/** The overridable business functions of the emailpassword recipe (no HTTP). Emails are normalised here. */
export interface RecipeInterface {
  signUp(input: { email: string; password: string; tenantId: string; userContext: UserContext }): Promise<SignUpResult>;
  /** Checks the credentials only; the API creates the session. */
  signIn(input: { email: string; password: string; tenantId: string; userContext: UserContext }): Promise<SignInResult>;
  createResetPasswordToken(input: { userId: string; email: string; tenantId: string; userContext: UserContext }): Promise<{ status: "OK"; token: string } | { status: "UNKNOWN_USER_ID_ERROR" }>;
  /** Single use: the token (and every other reset token of its user) is gone afterwards, whatever the outcome. */
  consumePasswordResetToken(input: { token: string; tenantId: string; userContext: UserContext }): Promise<{ status: "OK"; userId: string; email: string } | { status: "RESET_PASSWORD_INVALID_TOKEN_ERROR" }>;
  updateEmailOrPassword(input: {
    recipeUserId: string;
    email?: string | undefined;
    password?: string | undefined;
    /** Default true. */
    applyPasswordPolicy?: boolean | undefined;
    tenantIdForPasswordPolicy: string;
    userContext: UserContext;
  }): Promise<UpdateEmailOrPasswordResult>;
  getUserById(input: { userId: string; userContext: UserContext }): Promise<User | undefined>;
  getUserByEmail(input: { tenantId: string; email: string; userContext: UserContext }): Promise<User | undefined>;
}

export interface APIOptions {
  config: NormalisedEmailPasswordConfig;
  recipeImplementation: RecipeInterface;
  appInfo: AppInfo;
  req: HttpRequest;
  res: HttpResponse;
}

interface APIInput {
  tenantId: string;
  options: APIOptions;
  userContext: UserContext;
}

/** The overridable HTTP endpoints of the emailpassword recipe. `undefined` switches an endpoint off (404). */
export interface APIInterface {
  signUpPOST:
    | undefined
    | ((input: APIInput & { formFields: FormField[] }) => Promise<
        | { status: "OK"; user: User; session: SessionContainer }
        | { status: "EMAIL_ALREADY_EXISTS_ERROR" }
        | { status: "SIGN_UP_NOT_ALLOWED"; reason: string }
        | GeneralError
      >);
  signInPOST:
    | undefined
    | ((input: APIInput & { formFields: FormField[] }) => Promise<
        | { status: "OK"; user: User; session: SessionContainer }
        | { status: "WRONG_CREDENTIALS_ERROR" }
        | { status: "SIGN_IN_NOT_ALLOWED"; reason: string }
        | GeneralError
      >);
  emailExistsGET: undefined | ((input: APIInput & { email: string }) => Promise<{ status: "OK"; exists: boolean } | GeneralError>);
  generatePasswordResetTokenPOST:
    | undefined
    | ((input: APIInput & { formFields: FormField[] }) => Promise<{ status: "OK" } | { status: "PASSWORD_RESET_NOT_ALLOWED"; reason: string } | GeneralError>);
  passwordResetPOST:
    | undefined
    | ((input: APIInput & { formFields: FormField[]; token: string }) => Promise<
        | { status: "OK" }
        | { status: "RESET_PASSWORD_INVALID_TOKEN_ERROR" }
        | { status: "PASSWORD_POLICY_VIOLATED_ERROR"; failureReason: string }
        | GeneralError
      >);
}

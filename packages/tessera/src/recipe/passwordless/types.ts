/** Types of the passwordless recipe, declared once here and imported everywhere else. */
import type { AppInfo } from "../../core/app-info.js";
import type { HttpRequest, HttpResponse } from "../../core/http.js";
import type { SessionContainer, UserContext } from "../session/index.js";
import type { LoginMethod, User } from "../../core/user.js";
import type { RecipeOverride } from "../../core/override.js";

export type { LoginMethod, User };

export type { UserContext } from "../session/index.js";

export type ContactMethod = "EMAIL" | "PHONE" | "EMAIL_OR_PHONE";
export type FlowType = "USER_INPUT_CODE" | "MAGIC_LINK" | "USER_INPUT_CODE_AND_MAGIC_LINK";

/** Exactly one of an email or a phone number. */
export type Contact = { email: string; phoneNumber?: undefined } | { phoneNumber: string; email?: undefined };

interface DeliveryInputBase {
  type: "PASSWORDLESS_LOGIN";
  /** The code to type, when the flow has one (`USER_INPUT_CODE`, or both). */
  userInputCode?: string;
  /** The magic link, when the flow has one: `{websiteDomain}{websiteBasePath}/verify?preAuthSessionId=…&tenantId=…#<linkCode>`. */
  urlWithLinkCode?: string;
  /** How long the code and link stay valid, in **milliseconds** (as supertokens passes it). */
  codeLifetime: number;
  preAuthSessionId: string;
  tenantId: string;
  /** False when the code completes a second factor for a signed-in user. */
  isFirstFactor: boolean;
  userContext: UserContext;
}

/** What the email delivery receives. It carries a secret: send it only to `email`. */
export interface PasswordlessEmailInput extends DeliveryInputBase {
  email: string;
}

/** What the SMS delivery receives; `phoneNumber` is in E.164. */
export interface PasswordlessSmsInput extends DeliveryInputBase {
  phoneNumber: string;
}

export interface PasswordlessEmailDelivery {
  sendEmail(input: PasswordlessEmailInput): Promise<void> | void;
}

export interface PasswordlessSmsDelivery {
  sendSms(input: PasswordlessSmsInput): Promise<void> | void;
}

/** Returns an error text when the value is not acceptable (answered as `GENERAL_ERROR {message}`), or undefined. */
export type ContactValidator = (value: string, tenantId: string, userContext: UserContext) => Promise<string | undefined> | string | undefined;

/**
 * `Passwordless.init(config)`.
 *
 * @example
 * Passwordless.init({ contactMethod: "EMAIL", flowType: "USER_INPUT_CODE", emailDelivery: { sendEmail: async (input) => mailer.send(input) } });
 */
export interface PasswordlessConfig {
  /** Which contact a user signs in with: `"EMAIL"`, `"PHONE"` or `"EMAIL_OR_PHONE"`. */
  contactMethod: ContactMethod;
  /** What the message carries: a code to type, a magic link, or both. */
  flowType: FlowType;
  /**
   * How long a code (and its link) is valid, in seconds. Default 600 (10 minutes, the limit of
   * OWASP ASVS 6.5.5 and NIST 800-63B 5.1.3.2 for out-of-band codes); more is allowed (up to a
   * day) but leaves an emailed code usable beyond those standards.
   */
  codeLifetime?: number;
  /** Sends the email (default: prints the code and link to the console, for development only). */
  emailDelivery?: PasswordlessEmailDelivery;
  /** Sends the SMS (default: prints it to the console, for development only). */
  smsDelivery?: PasswordlessSmsDelivery;
  /** Runs after the built-in email check ("Email is invalid"), on the normalised address. */
  validateEmailAddress?: ContactValidator;
  /** Runs after the built-in check ("Phone number is invalid"), on the E.164 number. */
  validatePhoneNumber?: ContactValidator;
  override?: RecipeOverride<RecipeInterface, APIInterface>;
}

export interface NormalisedPasswordlessConfig {
  contactMethod: ContactMethod;
  flowType: FlowType;
  codeLifetimeMs: number;
  /** Wrong inputs per device before the flow must restart (5, as supertokens core and SEC-42). */
  maxCodeInputAttempts: number;
  emailDelivery: PasswordlessEmailDelivery;
  smsDelivery: PasswordlessSmsDelivery;
  /** The built-in check then the app's: an error text, or undefined. */
  validateEmail: (email: string, tenantId: string, userContext: UserContext) => Promise<string | undefined>;
  validatePhoneNumber: (phoneNumber: string, tenantId: string, userContext: UserContext) => Promise<string | undefined>;
}

/** What a new code gives its creator: the only time the codes exist in clear. */
export interface CreatedCode {
  status: "OK";
  preAuthSessionId: string;
  codeId: string;
  deviceId: string;
  userInputCode: string;
  linkCode: string;
  /** ms */
  codeLifetime: number;
  timeCreated: number;
}

/** A flow as `listCodes*` shows it: no secret, only ids and times. */
export interface DeviceInfo {
  preAuthSessionId: string;
  tenantId: string;
  failedCodeInputAttemptCount: number;
  flowType: FlowType;
  email?: string;
  phoneNumber?: string;
  codes: { codeId: string; timeCreated: number; codeLifetime: number }[];
}

type GeneralError = { status: "GENERAL_ERROR"; message: string };
export type RestartFlow = { status: "RESTART_FLOW_ERROR" };
export type SignInUpNotAllowed = { status: "SIGN_IN_UP_NOT_ALLOWED"; reason: string };
export type CodeInputError = {
  status: "INCORRECT_USER_INPUT_CODE_ERROR" | "EXPIRED_USER_INPUT_CODE_ERROR";
  failedCodeInputAttemptCount: number;
  maximumCodeInputAttempts: number;
};

export type ConsumeCodeInput = { preAuthSessionId: string; tenantId: string; session?: SessionContainer | undefined; userContext: UserContext } & (
  | { userInputCode: string; deviceId: string; linkCode?: undefined }
  | { linkCode: string; userInputCode?: undefined; deviceId?: undefined }
);

export type ConsumeCodeResult =
  | { status: "OK"; createdNewRecipeUser: boolean; user: User; recipeUserId: string; consumedDevice: { preAuthSessionId: string; failedCodeInputAttemptCount: number; email?: string; phoneNumber?: string } }
  | CodeInputError
  | RestartFlow
  | SignInUpNotAllowed;

/** The overridable business functions of the recipe (no HTTP). Contacts are normalised here. */
export interface RecipeInterface {
  /** Starts a flow (a "device") for the contact with its first code. */
  createCode(input: Contact & { tenantId: string; flowType?: FlowType; session?: SessionContainer | undefined; userContext: UserContext }): Promise<CreatedCode>;
  /** A resend: a new code on the same device; the count of wrong inputs stays. */
  createNewCodeForDevice(input: { deviceId: string; preAuthSessionId?: string; tenantId: string; userContext: UserContext }): Promise<CreatedCode | RestartFlow>;
  /**
   * Checks a code (counted first: at most `maxCodeInputAttempts` per device, then the device is
   * gone) and uses the whole device up, atomically. Without a session it signs the contact's user
   * in, or up; with one, the contact must be the session user's and no user is created.
   */
  consumeCode(input: ConsumeCodeInput): Promise<ConsumeCodeResult>;
  /** Signs the contact's user in, or up, with no code (for apps that proved the contact themselves). */
  signInUp(input: Contact & { tenantId: string; userContext: UserContext }): Promise<{ status: "OK"; createdNewRecipeUser: boolean; user: User; recipeUserId: string }>;
  listCodesByPreAuthSessionId(input: { preAuthSessionId: string; tenantId: string; userContext: UserContext }): Promise<DeviceInfo | undefined>;
  listCodesByContact(input: Contact & { tenantId: string; userContext: UserContext }): Promise<DeviceInfo[]>;
  revokeAllCodes(input: Contact & { tenantId: string; userContext: UserContext }): Promise<{ status: "OK" }>;
  revokeCode(input: ({ codeId: string } | { preAuthSessionId: string }) & { tenantId: string; userContext: UserContext }): Promise<{ status: "OK" }>;
  getUserById(input: { userId: string; userContext: UserContext }): Promise<User | undefined>;
  getUserByContact(input: Contact & { tenantId: string; userContext: UserContext }): Promise<User | undefined>;
  /** Sets or removes (null) a passwordless user's email and/or phone number; one must remain. */
  updateUser(input: { recipeUserId: string; email?: string | null; phoneNumber?: string | null; userContext: UserContext }): Promise<
    { status: "OK" } | { status: "UNKNOWN_USER_ID_ERROR" } | { status: "EMAIL_ALREADY_EXISTS_ERROR" } | { status: "PHONE_NUMBER_ALREADY_EXISTS_ERROR" }
  >;
  /** The emails and phone numbers a user has, from every login method: where a second-factor code may go. */
  getContactsForUser(input: { userId: string; userContext: UserContext }): Promise<{ emails: string[]; phoneNumbers: string[] }>;
}

export interface APIOptions {
  config: NormalisedPasswordlessConfig;
  recipeImplementation: RecipeInterface;
  appInfo: AppInfo;
  req: HttpRequest;
  res: HttpResponse;
}

interface APIInput {
  tenantId: string;
  /** The session user's, when the request completes a second factor (`shouldTryLinkingWithSessionUser`). */
  session: SessionContainer | undefined;
  options: APIOptions;
  userContext: UserContext;
}

/** The overridable HTTP endpoints (protocol 4.3). `undefined` switches an endpoint off (404). */
export interface APIInterface {
  createCodePOST:
    | undefined
    | ((input: APIInput & Contact) => Promise<{ status: "OK"; deviceId: string; preAuthSessionId: string; flowType: FlowType } | SignInUpNotAllowed | GeneralError>);
  resendCodePOST: undefined | ((input: APIInput & { deviceId: string; preAuthSessionId: string }) => Promise<{ status: "OK" } | RestartFlow | GeneralError>);
  consumeCodePOST:
    | undefined
    | ((
        input: APIInput & { preAuthSessionId: string } & ({ userInputCode: string; deviceId: string; linkCode?: undefined } | { linkCode: string; userInputCode?: undefined; deviceId?: undefined }),
      ) => Promise<
        { status: "OK"; createdNewRecipeUser: boolean; user: User; session: SessionContainer } | CodeInputError | RestartFlow | SignInUpNotAllowed | GeneralError
      >);
  emailExistsGET: undefined | ((input: Omit<APIInput, "session"> & { email: string }) => Promise<{ status: "OK"; exists: boolean } | GeneralError>);
  phoneNumberExistsGET: undefined | ((input: Omit<APIInput, "session"> & { phoneNumber: string }) => Promise<{ status: "OK"; exists: boolean } | GeneralError>);
}

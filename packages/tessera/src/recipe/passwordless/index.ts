/**
 * `tessera/recipe/passwordless`: sign-in with one-time codes and magic links sent by email or
 * SMS, speaking supertokens' frontend driver interface (protocol 4.3); a first factor, and with
 * MultiFactorAuth a second factor (`otp-email`, `link-email`, `otp-phone`, `link-phone`).
 *
 * - Codes live 10 minutes (`codeLifetime`), are stored only as hashes, and allow 5 wrong inputs
 *   per flow, after which it must restart; a resend keeps the count. Sending is limited per client
 *   address and per email or phone number (`tessera.init({ limits })`, 429 with `Retry-After`).
 * - As a second factor (`shouldTryLinkingWithSessionUser: true`) the code completes the factor in
 *   the caller's session and creates no user; it may only go to a contact the user already has
 *   (an email-password user's email for `otp-email`). MFA's rule applies: a session that has not
 *   completed MFA cannot add a new factor (403 `st-mfa`).
 * - Accounts are not linked: a passwordless sign-in with an email that belongs to an
 *   email-password user signs in (or up) a separate passwordless user.
 *
 * @example
 * import Passwordless from "tessera/recipe/passwordless";
 * tessera.init({ appInfo, recipeList: [Session.init(), Passwordless.init({ contactMethod: "EMAIL_OR_PHONE", flowType: "USER_INPUT_CODE_AND_MAGIC_LINK",
 *   emailDelivery: { sendEmail: async (input) => mailer.send(input) }, smsDelivery: { sendSms: async (input) => sms.send(input) } })] });
 */
import type { RecipeFactory } from "../../core/recipe.js";
import type { SessionContainer } from "../session/index.js";
import { magicLink } from "./codes.js";
import { getPasswordlessRecipe, passwordlessRecipeFactory } from "./recipe.js";
import type { Contact, ConsumeCodeInput, PasswordlessConfig, PasswordlessEmailInput, PasswordlessSmsInput, UserContext } from "./types.js";

export type {
  APIInterface,
  APIOptions,
  ConsumeCodeResult,
  Contact,
  ContactMethod,
  CreatedCode,
  DeviceInfo,
  FlowType,
  LoginMethod,
  PasswordlessConfig,
  PasswordlessEmailDelivery,
  PasswordlessEmailInput,
  PasswordlessSmsDelivery,
  PasswordlessSmsInput,
  RecipeInterface,
  User,
  UserContext,
} from "./types.js";
export { createSMTPEmailDelivery, type PasswordlessSMTPOptions } from "./delivery.js";

const recipe = () => getPasswordlessRecipe();
const impl = () => recipe().recipeImplementation;
type WithTenant<T> = T & { tenantId: string; userContext?: UserContext };

/** Builds the passwordless recipe for `recipeList` (Session.init() must be there too). */
export function init(config: PasswordlessConfig): RecipeFactory {
  return passwordlessRecipeFactory(config);
}

/** Starts a flow for the contact and returns its codes (sending them is the caller's). Not rate-limited: the endpoints are. */
export async function createCode(input: WithTenant<Contact> & { session?: SessionContainer }) {
  return impl().createCode({ ...input, userContext: input.userContext ?? {} });
}

/** A new code on an existing flow (the count of wrong inputs carries on). */
export async function createNewCodeForDevice(input: { tenantId: string; deviceId: string; userContext?: UserContext }) {
  return impl().createNewCodeForDevice({ ...input, userContext: input.userContext ?? {} });
}

/** Checks and uses up a code; signs the contact's user in or up (no session is created here). */
export async function consumeCode(input: Omit<ConsumeCodeInput, "userContext"> & { userContext?: UserContext }) {
  return impl().consumeCode({ ...input, userContext: input.userContext ?? {} } as ConsumeCodeInput);
}

/** A magic link for the contact, as the email would carry it (for invitations sent by the app). */
export async function createMagicLink(input: WithTenant<Contact>): Promise<string> {
  const created = await impl().createCode({ ...input, flowType: "MAGIC_LINK", userContext: input.userContext ?? {} });
  return magicLink(recipe().appInfo, created.preAuthSessionId, input.tenantId, created.linkCode);
}

/** Signs the contact's user in, or up, without a code: only for contacts the app has proved itself. */
export async function signInUp(input: WithTenant<Contact>) {
  return impl().signInUp({ ...input, userContext: input.userContext ?? {} });
}

export async function listCodesByPreAuthSessionId(input: { tenantId: string; preAuthSessionId: string; userContext?: UserContext }) {
  return impl().listCodesByPreAuthSessionId({ ...input, userContext: input.userContext ?? {} });
}

export async function listCodesByEmail(input: { tenantId: string; email: string; userContext?: UserContext }) {
  return impl().listCodesByContact({ tenantId: input.tenantId, email: input.email, userContext: input.userContext ?? {} });
}

export async function listCodesByPhoneNumber(input: { tenantId: string; phoneNumber: string; userContext?: UserContext }) {
  return impl().listCodesByContact({ tenantId: input.tenantId, phoneNumber: input.phoneNumber, userContext: input.userContext ?? {} });
}

/** Ends every flow of the contact in the tenant. */
export async function revokeAllCodes(input: WithTenant<Contact>) {
  return impl().revokeAllCodes({ ...input, userContext: input.userContext ?? {} });
}

/** Deletes one code, or one whole flow by its preAuthSessionId. */
export async function revokeCode(input: WithTenant<{ codeId: string } | { preAuthSessionId: string }>) {
  return impl().revokeCode({ ...input, userContext: input.userContext ?? {} });
}

export async function getUserById(userId: string, userContext: UserContext = {}) {
  return impl().getUserById({ userId, userContext });
}

/** The passwordless user with this email (any spelling that normalises to it) in the tenant. */
export async function getUserByEmail(tenantId: string, email: string, userContext: UserContext = {}) {
  return impl().getUserByContact({ tenantId, email, userContext });
}

/** The passwordless user with this phone number (E.164 after normalisation) in the tenant. */
export async function getUserByPhoneNumber(tenantId: string, phoneNumber: string, userContext: UserContext = {}) {
  return impl().getUserByContact({ tenantId, phoneNumber, userContext });
}

/** Sets or removes (null) a passwordless user's email or phone number; one must remain. Prove a new contact first. */
export async function updateUser(input: { recipeUserId: string; email?: string | null; phoneNumber?: string | null; userContext?: UserContext }) {
  return impl().updateUser({ ...input, userContext: input.userContext ?? {} });
}

/** Sends through the configured email delivery. */
export async function sendEmail(input: Omit<PasswordlessEmailInput, "userContext"> & { userContext?: UserContext }): Promise<void> {
  await recipe().config.emailDelivery.sendEmail({ ...input, userContext: input.userContext ?? {} });
}

/** Sends through the configured SMS delivery. */
export async function sendSms(input: Omit<PasswordlessSmsInput, "userContext"> & { userContext?: UserContext }): Promise<void> {
  await recipe().config.smsDelivery.sendSms({ ...input, userContext: input.userContext ?? {} });
}

const Passwordless = {
  init,
  createCode,
  createNewCodeForDevice,
  consumeCode,
  createMagicLink,
  signInUp,
  listCodesByPreAuthSessionId,
  listCodesByEmail,
  listCodesByPhoneNumber,
  revokeAllCodes,
  revokeCode,
  getUserById,
  getUserByEmail,
  getUserByPhoneNumber,
  updateUser,
  sendEmail,
  sendSms,
};

export default Passwordless;

/**
 * The default APIInterface of the emailpassword recipe. Input arrives already read and checked
 * (routes.ts); these functions call the recipe functions and return a status union.
 */
import MultiFactorAuth from "../multifactorauth/index.js";
import Session, { Error as SessionError, type SessionContainer } from "../session/index.js";
import { EMAIL_ID, PASSWORD_ID } from "./config.js";
import { stringField } from "./form.js";
import { resetPasswordWithToken, sendResetPasswordEmailToUser } from "./reset.js";
import type { APIInterface, APIOptions, UserContext } from "./types.js";

/** The factor id of email and password, for sign-in and sign-up alike (protocol 5.1). */
export const FACTOR_ID = "emailpassword";

/**
 * A new session replaces whatever the request carried (ASVS 7.2.4). With MFA, the session records
 * that this factor is done; whether more are needed is MFA's call (`st-mfa`, protocol 5.1).
 */
async function createSession(options: APIOptions, tenantId: string, userId: string, userContext: UserContext): Promise<SessionContainer> {
  const session = await Session.createNewSession(options.req, options.res, tenantId, userId, {}, {}, userContext);
  if (MultiFactorAuth.isInitialised()) await MultiFactorAuth.markFactorAsCompleteInSession(session, FACTOR_ID, userContext);
  return session;
}

/** Without a session, only a configured first factor may sign in (protocol 5.4); checked before any account is touched. */
function assertFirstFactor(tenantId: string): void {
  if (MultiFactorAuth.isInitialised() && !MultiFactorAuth.isValidFirstFactor(tenantId, FACTOR_ID)) {
    throw SessionError.unauthorised("A valid session is required to authenticate with secondary factors", false);
  }
}

export function makeDefaultAPIs(): APIInterface {
  return {
    signUpPOST: async ({ formFields, tenantId, options, userContext }) => {
      assertFirstFactor(tenantId);
      const email = stringField(formFields, EMAIL_ID);
      const password = stringField(formFields, PASSWORD_ID);
      const result = await options.recipeImplementation.signUp({ email, password, tenantId, userContext });
      if (result.status !== "OK") return result;
      return { status: "OK", user: result.user, session: await createSession(options, tenantId, result.user.id, userContext) };
    },

    signInPOST: async ({ formFields, tenantId, options, userContext }) => {
      assertFirstFactor(tenantId);
      const email = stringField(formFields, EMAIL_ID);
      const password = stringField(formFields, PASSWORD_ID);
      const result = await options.recipeImplementation.signIn({ email, password, tenantId, userContext });
      if (result.status !== "OK") return result;
      return { status: "OK", user: result.user, session: await createSession(options, tenantId, result.user.id, userContext) };
    },

    // It tells anyone whether an address has an account: the sign-up form uses it, as supertokens
    // does. Apps that must not reveal accounts switch it off: `emailExistsGET: undefined`.
    emailExistsGET: async ({ email, tenantId, options, userContext }) => {
      const user = await options.recipeImplementation.getUserByEmail({ tenantId, email, userContext });
      return { status: "OK", exists: user !== undefined };
    },

    generatePasswordResetTokenPOST: async ({ formFields, tenantId, options, userContext }) => {
      const email = stringField(formFields, EMAIL_ID);
      const user = await options.recipeImplementation.getUserByEmail({ tenantId, email, userContext });
      if (user) {
        // SEC-51 / ASVS 6.3.8: the answer is the same for unknown emails, and it does not wait for
        // the token and the mail, so its timing does not tell either.
        const send = () =>
          sendResetPasswordEmailToUser({ recipe: options.recipeImplementation, config: options.config, appInfo: options.appInfo, userId: user.id, email, tenantId, userContext }).catch((error: unknown) => {
            console.error(`[tessera] Sending the password-reset email failed: ${error instanceof Error ? error.message : String(error)}`);
          });
        setImmediate(() => void send());
      }
      return { status: "OK" };
    },

    passwordResetPOST: async ({ formFields, token, tenantId, options, userContext }) => {
      const newPassword = stringField(formFields, PASSWORD_ID);
      const result = await resetPasswordWithToken(options.recipeImplementation, { token, newPassword, tenantId, userContext });
      return result.status === "OK" ? { status: "OK" } : result;
    },
  };
}

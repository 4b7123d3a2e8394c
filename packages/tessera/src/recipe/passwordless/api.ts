/**
 * The default APIInterface of the passwordless recipe (protocol 4.3). Input arrives already read
 * and shape-checked (routes.ts); these functions apply the MFA rules and the sending limits, call
 * the recipe functions, deliver codes, and create or update the session.
 */
import type { PasswordlessContact, Storage } from "../../core/storage.js";
import MultiFactorAuth from "../multifactorauth/index.js";
import Session, { type UserContext } from "../session/index.js";
import { factorIdsFor, flowTypeFor } from "./config.js";
import { contactKind, contactOf, normaliseContact } from "./contact.js";
import { deliverCode, firstFactorsAllowed, secondFactorsAllowed } from "./flow.js";
import { reserveCodeSend, TooManyRequestsError } from "./limits.js";
import type { APIInterface, APIOptions, Contact, CreatedCode, FlowType } from "./types.js";

const RESTART = { status: "RESTART_FLOW_ERROR" } as const;
const SEND_FAILED = { status: "GENERAL_ERROR", message: "The code could not be sent: please try again" } as const;
const NOT_YOURS = "The code can only be sent to an email or phone number the signed-in user already has.";

/** Sends; on failure the code is revoked (nobody could use it) and the answer is GENERAL_ERROR. */
async function sendOrRevoke(
  options: APIOptions,
  input: { contact: PasswordlessContact; created: CreatedCode; flowType: FlowType; tenantId: string; isFirstFactor: boolean; userContext: UserContext; revoke: () => Promise<unknown> },
): Promise<boolean> {
  try {
    await deliverCode({ options, ...input });
    return true;
  } catch (error) {
    console.error(`[tessera] Sending a passwordless code failed: ${error instanceof Error ? error.message : String(error)}`);
    await input.revoke();
    return false;
  }
}

export function makeDefaultAPIs(storage: Storage): APIInterface {
  return {
    createCodePOST: async ({ tenantId, session, options, userContext, ...contactInput }) => {
      const contact = normaliseContact(contactInput as Contact);
      const { config, recipeImplementation: impl } = options;
      const invalid = "email" in contact ? await config.validateEmail(contact.email, tenantId, userContext) : await config.validatePhoneNumber(contact.phoneNumber, tenantId, userContext);
      if (invalid !== undefined) return { status: "GENERAL_ERROR", message: invalid };
      const factors = factorIdsFor(contactKind(contact), config.flowType);
      // The MFA rules first (401 / 403), then whose contact it is: a session that may not add
      // the factor learns nothing about contacts.
      const allowed = session ? await secondFactorsAllowed(session, factors, userContext) : firstFactorsAllowed(tenantId, factors);
      if (session) {
        const own = await impl.getContactsForUser({ userId: session.getUserId(), userContext });
        if (!("email" in contact ? own.emails.includes(contact.email) : own.phoneNumbers.includes(contact.phoneNumber))) return { status: "SIGN_IN_UP_NOT_ALLOWED", reason: NOT_YOURS };
      }
      await reserveCodeSend(storage, options.req, contact);
      // Narrowed to the factors this sign-in may use (protocol 4.3).
      const flowType = flowTypeFor(allowed);
      const created = await impl.createCode({ ...contact, tenantId, flowType, session, userContext } as Parameters<typeof impl.createCode>[0]);
      const revoke = () => impl.revokeCode({ preAuthSessionId: created.preAuthSessionId, tenantId, userContext });
      if (!(await sendOrRevoke(options, { contact, created, flowType, tenantId, isFirstFactor: session === undefined, userContext, revoke }))) return SEND_FAILED;
      return { status: "OK", deviceId: created.deviceId, preAuthSessionId: created.preAuthSessionId, flowType };
    },

    resendCodePOST: async ({ deviceId, preAuthSessionId, tenantId, session, options, userContext }) => {
      const impl = options.recipeImplementation;
      const device = await impl.listCodesByPreAuthSessionId({ preAuthSessionId, tenantId, userContext });
      if (!device) return RESTART;
      // Made first, so a request without the flow's deviceId is refused without spending the
      // contact's sending budget; taken back if a limit refuses it.
      const created = await impl.createNewCodeForDevice({ deviceId, preAuthSessionId, tenantId, userContext });
      if (created.status !== "OK") return created;
      const contact = contactOf({ email: device.email ?? null, phoneNumber: device.phoneNumber ?? null });
      const revoke = () => impl.revokeCode({ codeId: created.codeId, tenantId, userContext });
      try {
        await reserveCodeSend(storage, options.req, contact);
      } catch (error) {
        if (error instanceof TooManyRequestsError) await revoke();
        throw error;
      }
      const sent = await sendOrRevoke(options, { contact, created, flowType: device.flowType, tenantId, isFirstFactor: session === undefined, userContext, revoke });
      return sent ? { status: "OK" } : SEND_FAILED;
    },

    consumeCodePOST: async (input) => {
      const { preAuthSessionId, tenantId, session, options, userContext } = input;
      const impl = options.recipeImplementation;
      const device = await impl.listCodesByPreAuthSessionId({ preAuthSessionId, tenantId, userContext });
      if (!device) return RESTART;
      // otp-* when a typed code is used, link-* for a link (protocol 4.3).
      const factorId = `${input.linkCode !== undefined ? "link" : "otp"}-${device.email !== undefined ? "email" : "phone"}`;
      if (session) await secondFactorsAllowed(session, [factorId], userContext);
      else firstFactorsAllowed(tenantId, [factorId]);
      const code = input.linkCode !== undefined ? { linkCode: input.linkCode } : { deviceId: input.deviceId, userInputCode: input.userInputCode };
      const result = await impl.consumeCode({ preAuthSessionId, tenantId, session, userContext, ...code });
      if (result.status !== "OK") return result;
      if (session) {
        // No new session and no new user: the factor is done in this one, whose new access and
        // front tokens go out with this response.
        await MultiFactorAuth.markFactorAsCompleteInSession(session, factorId, userContext);
        return { status: "OK", createdNewRecipeUser: false, user: result.user, session };
      }
      // A new session replaces whatever the request carried (ASVS 7.2.4).
      const created = await Session.createNewSession(options.req, options.res, tenantId, result.recipeUserId, {}, {}, userContext);
      if (MultiFactorAuth.isInitialised()) await MultiFactorAuth.markFactorAsCompleteInSession(created, factorId, userContext);
      return { status: "OK", createdNewRecipeUser: result.createdNewRecipeUser, user: result.user, session: created };
    },

    // They tell anyone whether a contact has an account (the pre-built UI asks before sign-up), as
    // supertokens does; limited per address like emailpassword's, or switch off: `emailExistsGET: undefined`.
    emailExistsGET: async ({ email, tenantId, options, userContext }) => ({
      status: "OK",
      exists: (await options.recipeImplementation.getUserByContact({ email, tenantId, userContext })) !== undefined,
    }),

    phoneNumberExistsGET: async ({ phoneNumber, tenantId, options, userContext }) => ({
      status: "OK",
      exists: (await options.recipeImplementation.getUserByContact({ phoneNumber, tenantId, userContext })) !== undefined,
    }),
  };
}

/**
 * The rules the API applies around the recipe functions: which factors a request may use (MFA,
 * protocol 5.4) and how a created code is delivered.
 */
import { BadInputError, SessionError } from "../../core/errors.js";
import MultiFactorAuth from "../multifactorauth/index.js";
import type { SessionContainer, UserContext } from "../session/index.js";
import { magicLink } from "./codes.js";
import type { PasswordlessContact } from "../../core/storage.js";
import type { APIOptions, CreatedCode, FlowType } from "./types.js";

/**
 * Without a session: the factors that may start a sign-in in this tenant. None gives 401, as
 * "a valid session is required to authenticate with secondary factors" (protocol 5.4).
 */
export function firstFactorsAllowed(tenantId: string, factorIds: readonly string[]): string[] {
  if (!MultiFactorAuth.isInitialised()) return [...factorIds];
  const allowed = factorIds.filter((id) => MultiFactorAuth.isValidFirstFactor(tenantId, id));
  if (allowed.length === 0) throw SessionError.unauthorised("A valid session is required to authenticate with secondary factors", false);
  return allowed;
}

/**
 * With a session (a second factor): the factors this session may use. One the user has set up
 * may always be completed; any other is a new factor, which only a session that completed MFA,
 * or one whose next requirement is that factor, may add (the 403 `st-mfa` otherwise).
 */
export async function secondFactorsAllowed(session: SessionContainer, factorIds: readonly string[], userContext: UserContext): Promise<string[]> {
  // Protocol 5.4: a session on a request that links, with no MFA to complete a factor in, is a 400.
  if (!MultiFactorAuth.isInitialised()) throw new BadInputError("shouldTryLinkingWithSessionUser needs the multifactorauth recipe: a passwordless code can only complete a factor of MultiFactorAuth");
  const setUp = await MultiFactorAuth.getFactorsSetupForUser(session.getUserId(), userContext);
  const allowed: string[] = [];
  let refusal: unknown;
  for (const id of factorIds) {
    if (setUp.includes(id)) {
      allowed.push(id);
      continue;
    }
    try {
      await MultiFactorAuth.assertAllowedToSetupFactorElseThrowInvalidClaimError(session, id, userContext);
      allowed.push(id);
    } catch (error) {
      if (!(error instanceof SessionError)) throw error;
      refusal ??= error;
    }
  }
  if (allowed.length === 0) throw refusal;
  return allowed;
}

/** Sends the code and/or link the flow type says, to the contact; the caller decides what a failure means. */
export async function deliverCode(input: {
  options: APIOptions;
  contact: PasswordlessContact;
  created: CreatedCode;
  flowType: FlowType;
  tenantId: string;
  isFirstFactor: boolean;
  userContext: UserContext;
}): Promise<void> {
  const { options, contact, created, flowType, tenantId } = input;
  const base = {
    type: "PASSWORDLESS_LOGIN" as const,
    codeLifetime: created.codeLifetime,
    preAuthSessionId: created.preAuthSessionId,
    tenantId,
    isFirstFactor: input.isFirstFactor,
    userContext: input.userContext,
    ...(flowType !== "MAGIC_LINK" ? { userInputCode: created.userInputCode } : {}),
    ...(flowType !== "USER_INPUT_CODE" ? { urlWithLinkCode: magicLink(options.appInfo, created.preAuthSessionId, tenantId, created.linkCode) } : {}),
  };
  if ("email" in contact) await options.config.emailDelivery.sendEmail({ ...base, email: contact.email });
  else await options.config.smsDelivery.sendSms({ ...base, phoneNumber: contact.phoneNumber });
}

/**
 * The default APIInterface of the TOTP recipe (protocol 4.4) and the readers of its request
 * bodies. The MFA rules live here: who may set up a device, and that removing a verified device
 * needs a session that has completed MFA.
 */
import { BadInputError, SessionError } from "../../core/errors.js";
import { readJSONBody, type HttpRequest } from "../../core/http.js";
import MultiFactorAuth from "../multifactorauth/index.js";
import type { APIInterface } from "./types.js";

const TOTP_FACTOR = "totp";
/** Longest device name accepted from a client (names are stored and listed back). */
const MAX_DEVICE_NAME_LENGTH = 256;

/** The body as a JSON object; 400 for anything else (arrays, strings, null). */
export async function readBody(req: HttpRequest): Promise<Record<string, unknown>> {
  const body = await readJSONBody(req);
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new BadInputError("Request body must be a JSON object");
  return body as Record<string, unknown>;
}

/**
 * A device name from the body. SuperTokens answers a non-string with a 500; we answer 400, since
 * it is the client's mistake.
 */
export function readDeviceName(body: Record<string, unknown>, required: true): string;
export function readDeviceName(body: Record<string, unknown>, required: false): string | undefined;
export function readDeviceName(body: Record<string, unknown>, required: boolean): string | undefined {
  const value = body.deviceName;
  if (value === undefined && !required) return undefined;
  if (typeof value !== "string" || value.length === 0) {
    throw new BadInputError(required ? "deviceName is required and must be a non-empty string" : "deviceName must be a non-empty string");
  }
  if (value.length > MAX_DEVICE_NAME_LENGTH) throw new BadInputError(`deviceName must be at most ${MAX_DEVICE_NAME_LENGTH} characters`);
  // Shown back in lists and apps: no control characters (terminal escapes, NUL, which PostgreSQL
  // cannot store) and no lone surrogates.
  if (/[\p{Cc}\p{Cs}]/u.test(value)) throw new BadInputError("deviceName must not contain control characters");
  return value;
}

export function readTotp(body: Record<string, unknown>): string {
  const value = body.totp;
  if (typeof value !== "string") throw new BadInputError("totp is required and must be a string");
  return value;
}

export function makeDefaultAPIs(): APIInterface {
  return {
    createDevicePOST: async ({ deviceName, options, session, userContext }) => {
      // Throws the 403 (`st-mfa`) when this session may not add a factor now (protocol 5.4).
      await MultiFactorAuth.assertAllowedToSetupFactorElseThrowInvalidClaimError(session, TOTP_FACTOR, userContext);
      const result = await options.recipeImplementation.createDevice({ userId: session.getUserId(), deviceName, userContext });
      if (result.status === "UNKNOWN_USER_ID_ERROR") throw SessionError.unauthorised("Session user not found");
      return result;
    },

    listDevicesGET: async ({ options, session, userContext }) => options.recipeImplementation.listDevices({ userId: session.getUserId(), userContext }),

    removeDevicePOST: async ({ deviceName, options, session, userContext }) => {
      const userId = session.getUserId();
      const { devices } = await options.recipeImplementation.listDevices({ userId, userContext });
      // A verified device is a factor: removing it from a session that has only passed the first
      // factor would let a stolen first-factor session switch MFA off (ASVS 6.5.6).
      if (devices.some((d) => d.name === deviceName && d.verified)) await MultiFactorAuth.assertMFACompleted(session, userContext);
      return options.recipeImplementation.removeDevice({ userId, deviceName, userContext });
    },

    verifyDevicePOST: async ({ deviceName, totp, options, session, userContext }) => {
      await MultiFactorAuth.assertAllowedToSetupFactorElseThrowInvalidClaimError(session, TOTP_FACTOR, userContext);
      const result = await options.recipeImplementation.verifyDevice({ tenantId: session.getTenantId(), userId: session.getUserId(), deviceName, totp, userContext });
      // Updates `st-mfa`; the new access and front tokens go out with this response.
      if (result.status === "OK") await MultiFactorAuth.markFactorAsCompleteInSession(session, TOTP_FACTOR, userContext);
      return result;
    },

    verifyTOTPPOST: async ({ totp, options, session, userContext }) => {
      const result = await options.recipeImplementation.verifyTOTP({ tenantId: session.getTenantId(), userId: session.getUserId(), totp, userContext });
      if (result.status === "OK") await MultiFactorAuth.markFactorAsCompleteInSession(session, TOTP_FACTOR, userContext);
      return result;
    },
  };
}

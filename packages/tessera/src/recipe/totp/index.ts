/**
 * `tessera/recipe/totp`: time-based one-time passwords (RFC 6238) as a second factor, with the
 * endpoints SuperTokens' frontend calls (`/totp/device`, `/totp/device/list`,
 * `/totp/device/remove`, `/totp/device/verify`, `/totp/verify`). Needs the session and
 * multifactorauth recipes.
 *
 * @example
 * import TOTP from "tessera/recipe/totp";
 * tessera.init({
 *   appInfo,
 *   recipeList: [Session.init(), MultiFactorAuth.init({ firstFactors: ["emailpassword"] }), TOTP.init({ issuer: "Acme" })],
 * });
 * // server side, without HTTP
 * const { devices } = await TOTP.listDevices(userId);
 */
import type { RecipeFactory } from "../../core/recipe.js";
import { getTOTPRecipe, totpRecipeFactory } from "./recipe.js";
import type {
  CreateDeviceResponse,
  ListDevicesResponse,
  RemoveDeviceResponse,
  TOTPConfig,
  UpdateDeviceResponse,
  UserContext,
  VerifyDeviceResponse,
  VerifyTOTPResponse,
} from "./types.js";

export type {
  APIInterface,
  APIOptions,
  CreateDeviceResponse,
  ListDevicesResponse,
  RecipeInterface,
  RemoveDeviceResponse,
  TOTPConfig,
  UpdateDeviceResponse,
  VerifyDeviceResponse,
  VerifyTOTPResponse,
} from "./types.js";

const impl = () => getTOTPRecipe().recipeImplementation;

/** Builds the TOTP recipe for `recipeList`. */
export function init(config?: TOTPConfig): RecipeFactory {
  return totpRecipeFactory(config);
}

/**
 * Creates an unverified device and returns its base32 secret and `otpauth://` URI. Without a
 * name, "TOTP Device <n>" is chosen; a name held by an unverified device replaces that device.
 */
export async function createDevice(
  userId: string,
  userIdentifierInfo?: string,
  deviceName?: string,
  skew?: number,
  period?: number,
  userContext: UserContext = {},
): Promise<CreateDeviceResponse> {
  return impl().createDevice({ userId, userIdentifierInfo, deviceName, skew, period, userContext });
}

/** Renames a device. */
export async function updateDevice(userId: string, existingDeviceName: string, newDeviceName: string, userContext: UserContext = {}): Promise<UpdateDeviceResponse> {
  return impl().updateDevice({ userId, existingDeviceName, newDeviceName, userContext });
}

export async function listDevices(userId: string, userContext: UserContext = {}): Promise<ListDevicesResponse> {
  return impl().listDevices({ userId, userContext });
}

/** Removes a device. No MFA check here: the `/totp/device/remove` endpoint does that. */
export async function removeDevice(userId: string, deviceName: string, userContext: UserContext = {}): Promise<RemoveDeviceResponse> {
  return impl().removeDevice({ userId, deviceName, userContext });
}

/** Checks a code against one device and marks the device verified (attempt limit and replay guard apply). */
export async function verifyDevice(tenantId: string, userId: string, deviceName: string, totp: string, userContext: UserContext = {}): Promise<VerifyDeviceResponse> {
  return impl().verifyDevice({ tenantId, userId, deviceName, totp, userContext });
}

/** Checks a code against every verified device of the user (attempt limit and replay guard apply). */
export async function verifyTOTP(tenantId: string, userId: string, totp: string, userContext: UserContext = {}): Promise<VerifyTOTPResponse> {
  return impl().verifyTOTP({ tenantId, userId, totp, userContext });
}

const TOTP = { init, createDevice, updateDevice, listDevices, removeDevice, verifyDevice, verifyTOTP };

export default TOTP;

/** Types of the TOTP recipe, declared once here and imported everywhere else. */
import type { HttpRequest, HttpResponse } from "../../core/http.js";
import type { SessionContainer, UserContext } from "../session/index.js";
import type { RecipeOverride } from "../../core/override.js";

export type { UserContext } from "../session/index.js";

/** `TOTP.init(config)`: every field is optional. */
export interface TOTPConfig {
  /** The issuer shown by authenticator apps (default: `appInfo.appName`). */
  issuer?: string;
  /** Steps accepted either side of the current one, for new devices (default 1; RFC 6238 §5.2). */
  defaultSkew?: number;
  /** Time step of new devices in seconds (default 30). */
  defaultPeriod?: number;
  /**
   * Failed second-factor attempts in a row, per user, that lock both verify endpoints (default:
   * `limits.secondFactor.maxFailures`, 5). The run is shared with recovery codes; failures also
   * count toward the account's lockout across every factor (`limits.account`).
   */
  maxAttempts?: number;
  /** How long the lock lasts after the last failed attempt, in seconds (default: `limits.secondFactor.lockSeconds`, 900). */
  cooldownSeconds?: number;
  override?: RecipeOverride<RecipeInterface, APIInterface>;
}

export interface NormalisedTOTPConfig {
  issuer: string;
  defaultSkew: number;
  defaultPeriod: number;
  maxAttempts: number;
  cooldownMs: number;
}

export type InvalidTOTPResponse = {
  status: "INVALID_TOTP_ERROR";
  currentNumberOfFailedAttempts: number;
  maxNumberOfFailedAttempts: number;
};

export type LimitReachedResponse = { status: "LIMIT_REACHED_ERROR"; retryAfterMs: number };

export type CreateDeviceResponse =
  | { status: "OK"; deviceName: string; secret: string; qrCodeString: string }
  | { status: "DEVICE_ALREADY_EXISTS_ERROR" }
  | { status: "UNKNOWN_USER_ID_ERROR" };

export type UpdateDeviceResponse = { status: "OK" | "UNKNOWN_DEVICE_ERROR" | "DEVICE_ALREADY_EXISTS_ERROR" };

export type ListDevicesResponse = {
  status: "OK";
  devices: { name: string; period: number; skew: number; verified: boolean }[];
};

export type RemoveDeviceResponse = { status: "OK"; didDeviceExist: boolean };

export type VerifyDeviceResponse =
  | { status: "OK"; wasAlreadyVerified: boolean }
  | { status: "UNKNOWN_DEVICE_ERROR" }
  | InvalidTOTPResponse
  | LimitReachedResponse;

export type VerifyTOTPResponse = { status: "OK" | "UNKNOWN_USER_ID_ERROR" } | InvalidTOTPResponse | LimitReachedResponse;

export type GeneralErrorResponse = { status: "GENERAL_ERROR"; message: string };

/** The overridable business functions of the TOTP recipe (no HTTP). */
export interface RecipeInterface {
  /** The account label of the otpauth URI: the user's email when tessera knows one. */
  getUserIdentifierInfoForUserId(input: { userId: string; userContext: UserContext }): Promise<
    { status: "OK"; info: string } | { status: "UNKNOWN_USER_ID_ERROR" | "USER_IDENTIFIER_INFO_DOES_NOT_EXIST_ERROR" }
  >;
  createDevice(input: {
    userId: string;
    userIdentifierInfo?: string;
    deviceName?: string;
    skew?: number;
    period?: number;
    userContext: UserContext;
  }): Promise<CreateDeviceResponse>;
  updateDevice(input: { userId: string; existingDeviceName: string; newDeviceName: string; userContext: UserContext }): Promise<UpdateDeviceResponse>;
  listDevices(input: { userId: string; userContext: UserContext }): Promise<ListDevicesResponse>;
  removeDevice(input: { userId: string; deviceName: string; userContext: UserContext }): Promise<RemoveDeviceResponse>;
  verifyDevice(input: { tenantId: string; userId: string; deviceName: string; totp: string; userContext: UserContext }): Promise<VerifyDeviceResponse>;
  verifyTOTP(input: { tenantId: string; userId: string; totp: string; userContext: UserContext }): Promise<VerifyTOTPResponse>;
}

export interface APIOptions {
  config: NormalisedTOTPConfig;
  recipeImplementation: RecipeInterface;
  req: HttpRequest;
  res: HttpResponse;
}

type WithSession = { options: APIOptions; session: SessionContainer; userContext: UserContext };

/** The overridable HTTP endpoints of the TOTP recipe (protocol 4.4). `undefined` switches an endpoint off. */
export interface APIInterface {
  createDevicePOST:
    | undefined
    | ((input: WithSession & { deviceName?: string }) => Promise<
        { status: "OK"; deviceName: string; secret: string; qrCodeString: string } | { status: "DEVICE_ALREADY_EXISTS_ERROR" } | GeneralErrorResponse
      >);
  listDevicesGET: undefined | ((input: WithSession) => Promise<ListDevicesResponse | GeneralErrorResponse>);
  removeDevicePOST: undefined | ((input: WithSession & { deviceName: string }) => Promise<RemoveDeviceResponse | GeneralErrorResponse>);
  verifyDevicePOST: undefined | ((input: WithSession & { deviceName: string; totp: string }) => Promise<VerifyDeviceResponse | GeneralErrorResponse>);
  verifyTOTPPOST: undefined | ((input: WithSession & { totp: string }) => Promise<VerifyTOTPResponse | GeneralErrorResponse>);
}

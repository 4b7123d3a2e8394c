/**
 * The trusted-device endpoints, under the API base path:
 *
 * - `POST /mfa/trusted-device`: remember this device. Needs a session that has completed MFA
 *   (`st-mfa.v`, through the global validators) and completed a secondary factor within the last
 *   10 minutes (a trusted device itself does not count: it cannot vouch for a new one). Answers
 *   `{status: "OK", deviceId, expiresAt}` and sets the device cookie.
 * - `GET /mfa/trusted-devices`: the session user's live devices, without secrets.
 * - `DELETE /mfa/trusted-device`: with no body, forgets this device (the cookie's) and clears the
 *   cookie; any session of the user may do that. With `{deviceId}`, forgets that device of the
 *   user, which needs a session that has completed MFA. Answers `{status: "OK", didDeviceExist}`.
 *
 * Malformed input is answered 400 with `{message}` and changes nothing.
 */
import { now } from "../../core/clock.js";
import { BadInputError, SessionError } from "../../core/errors.js";
import { readJSONBody, type HttpRequest } from "../../core/http.js";
import type { Route } from "../../core/recipe.js";
import type { Storage } from "../../core/storage.js";
import { FACTOR_ROUTE_SESSION, getSession, type SessionContainer } from "../session/index.js";
import { MultiFactorAuthClaim } from "./claim.js";
import {
  clearDeviceCookie,
  deviceCookiesOf,
  findDevice,
  findOwnDevice,
  labelFromUserAgent,
  rememberDevice,
  setDeviceCookie,
  type NormalisedTrustedDevices,
} from "./trusted-devices.js";
import { TRUSTED_DEVICE_FACTOR_ID, type TrustedDeviceInfo } from "./types.js";

/** How recently a real second factor must have been completed in the session to remember the device. */
export const REMEMBER_WITHIN_SECONDS = 600;
const MAX_DEVICE_ID_LENGTH = 100;

/** `c` holds seconds; supertokens' legacy fallback wrote milliseconds. */
const toSeconds = (time: number) => (time > 100_000_000_000 ? Math.floor(time / 1000) : time);

function assertFreshSecondFactor(session: SessionContainer, secondaryFactorIds: string[]): void {
  const completed = MultiFactorAuthClaim.getValueFromPayload(session.getAccessTokenPayload())?.c ?? {};
  const nowSeconds = Math.floor(now() / 1000);
  const factors = secondaryFactorIds.filter((id) => id !== TRUSTED_DEVICE_FACTOR_ID);
  const fresh = factors.some((id) => {
    const at = completed[id];
    return typeof at === "number" && nowSeconds - toSeconds(at) <= REMEMBER_WITHIN_SECONDS;
  });
  if (!fresh) {
    throw SessionError.invalidClaims([
      {
        id: MultiFactorAuthClaim.key,
        reason: { message: "a second factor must be completed in this session within the last 10 minutes to remember this device", oneOf: factors, maxAgeInSeconds: REMEMBER_WITHIN_SECONDS },
      },
    ]);
  }
}

/** `{}` or `{deviceId: string}`; anything else is a 400. */
async function readDeleteBody(req: HttpRequest): Promise<string | undefined> {
  const body = await readJSONBody(req);
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new BadInputError("Request body must be a JSON object");
  const deviceId = (body as Record<string, unknown>).deviceId;
  if (deviceId === undefined) return undefined;
  if (typeof deviceId !== "string" || deviceId === "") throw new BadInputError("deviceId must be a non-empty string");
  if (deviceId.length > MAX_DEVICE_ID_LENGTH) throw new BadInputError(`deviceId must be at most ${MAX_DEVICE_ID_LENGTH} characters`);
  if (/[\p{Cc}\p{Cs}]/u.test(deviceId)) throw new BadInputError("deviceId must not contain control characters");
  return deviceId;
}

export function makeTrustedDeviceRoutes(input: { storage: Storage; config: NormalisedTrustedDevices; secondaryFactorIds: () => string[] }): Route[] {
  const { storage, config } = input;
  const store = storage.trustedDevices;

  const requireSession = async (req: HttpRequest, res: Parameters<Route["handle"]>[0]["res"], userContext: Record<string, unknown>, checkClaims: boolean) => {
    // Against the database (see FACTOR_ROUTE_SESSION): a signed-out session must not remember or list devices.
    const options = checkClaims ? { sessionRequired: true, checkDatabase: true } : FACTOR_ROUTE_SESSION;
    const session = await getSession(req, res, options, userContext);
    if (!session) throw SessionError.unauthorised("Session does not exist", false);
    return session;
  };

  return [
    {
      method: "POST",
      path: "/mfa/trusted-device",
      handle: async ({ req, res, userContext }) => {
        const session = await requireSession(req, res, userContext, true);
        assertFreshSecondFactor(session, input.secondaryFactorIds());
        const userId = session.getUserId();
        const tenantId = session.getTenantId();
        // Remembering again replaces this browser's earlier record of the same user instead of piling them up.
        const previous = await findOwnDevice(storage, req, config, userId, tenantId);
        if (previous) await store.delete(previous.id, userId);
        await store.deleteExpired(now());
        const { row, cookieValue } = await rememberDevice(storage, config, { userId, tenantId, label: labelFromUserAgent(req.getHeader("user-agent")) });
        setDeviceCookie(res, config, cookieValue, row.expiresAt);
        res.sendJSON({ status: "OK", deviceId: row.id, expiresAt: row.expiresAt });
      },
    },
    {
      method: "GET",
      path: "/mfa/trusted-devices",
      handle: async ({ req, res, userContext }) => {
        const session = await requireSession(req, res, userContext, true);
        const current = await findOwnDevice(storage, req, config, session.getUserId(), session.getTenantId());
        const at = now();
        const devices: TrustedDeviceInfo[] = (await store.listForUser(session.getUserId(), session.getTenantId()))
          .filter((row) => row.expiresAt > at)
          .map((row) => ({ deviceId: row.id, label: row.label, createdAt: row.createdAt, lastUsedAt: row.lastUsedAt, expiresAt: row.expiresAt, current: row.id === current?.id }));
        res.sendJSON({ status: "OK", devices });
      },
    },
    {
      method: "DELETE",
      path: "/mfa/trusted-device",
      handle: async ({ req, res, userContext }) => {
        const deviceId = await readDeleteBody(req);
        const session = await requireSession(req, res, userContext, deviceId !== undefined);
        const userId = session.getUserId();
        if (deviceId !== undefined) {
          const own = await findOwnDevice(storage, req, config, userId, session.getTenantId());
          const didDeviceExist = await store.delete(deviceId, userId);
          if (own?.id === deviceId) clearDeviceCookie(res, config);
          return res.sendJSON({ status: "OK", didDeviceExist });
        }
        let didDeviceExist = false;
        let othersCookie = false;
        const at = now();
        for (const cookie of deviceCookiesOf(req, config)) {
          const row = await findDevice(storage, cookie, at);
          if (row && row.userId === userId) didDeviceExist = (await store.delete(row.id, userId)) || didDeviceExist;
          else if (row) othersCookie = true;
        }
        // Another user's live device cookie is theirs: left alone. A spent or unknown one is cleared.
        if (!othersCookie) clearDeviceCookie(res, config);
        res.sendJSON({ status: "OK", didDeviceExist });
      },
    },
  ];
}

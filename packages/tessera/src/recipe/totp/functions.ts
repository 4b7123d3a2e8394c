/**
 * The default RecipeInterface of the TOTP recipe: devices, code checks, replay guard and attempt
 * limit over storage. No HTTP here.
 *
 * Codes are checked with RFC 6238 (HMAC-SHA-1, 6 digits) in the window [T - skew, T + skew] of
 * the server clock only; a client never supplies the time.
 */
import { now } from "../../core/clock.js";
import { base32Decode, base32Encode } from "../../core/crypto/base32.js";
import { generateTotpSecret, otpauthURI, verifyTotp } from "../../core/crypto/otp.js";
import { ConfigError } from "../../core/errors.js";
import { release, reserve, resetRuns, secondFactorEntries, secondFactorRule } from "../../core/limits.js";
import type { SecretBox } from "../../core/recipe.js";
import type { Storage, TotpDeviceRow } from "../../core/storage.js";
import type { InvalidTOTPResponse, LimitReachedResponse, NormalisedTOTPConfig, RecipeInterface } from "./types.js";
import { credentialsChanged } from "../../core/user-events.js";

/** Binds a sealed seed to its row: a seed copied into another user's or device's row does not open. */
export const sealContext = (userId: string, deviceName: string): string => `totp:${userId}:${deviceName}`;

function checkDeviceTiming(skew: number, period: number): void {
  if (!Number.isInteger(skew) || skew < 0 || skew > 10) throw new ConfigError(`TOTP skew must be a whole number of steps from 0 to 10, got ${String(skew)}`);
  if (!Number.isInteger(period) || period <= 0 || period > 3600) throw new ConfigError(`TOTP period must be a whole number of seconds from 1 to 3600, got ${String(period)}`);
}

/** The key URI authenticator apps read from the QR code. Without an account label, the issuer alone names the key. */
function qrCodeString(issuer: string, account: string | undefined, secret: string, period: number): string {
  if (account !== undefined && account !== "") return otpauthURI({ issuer, account, secretBase32: secret, period });
  const label = encodeURIComponent(issuer);
  return `otpauth://totp/${label}?secret=${secret}&issuer=${label}&digits=6&period=${period}`;
}

export function makeDefaultFunctions(
  input: { config: NormalisedTOTPConfig; storage: Storage; secretBox: SecretBox },
  self: () => RecipeInterface,
): RecipeInterface {
  const { config, storage, secretBox } = input;
  const store = storage.totp;

  /**
   * Runs one user's code checks one at a time in this process. The limiter's reservations are
   * compare-and-set and hold on their own across processes; queueing here keeps the reported
   * attempt counts in arrival order and spares the compare-and-set retries of a local burst.
   */
  const queues = new Map<string, Promise<unknown>>();
  function oneAtATime<T>(userId: string, task: () => Promise<T>): Promise<T> {
    const result = (queues.get(userId) ?? Promise.resolve()).then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    queues.set(userId, tail);
    void tail.then(() => {
      if (queues.get(userId) === tail) queues.delete(userId);
    });
    return result;
  }

  /** TOTP's tolerance on the shared second-factor run: `TOTP.init`'s, which defaults to `limits.secondFactor`. */
  const rule = secondFactorRule(config.maxAttempts, config.cooldownMs);

  /**
   * One code check against `devices`, behind the shared limiter (core/limits.ts): the attempt is
   * counted on the user's second-factor run (shared by both verify endpoints and recovery codes)
   * and on the account's run across every factor *before* the code is checked, so no burst, on
   * one instance or many, gets more checks than the limit. Attempts refused by a lock are not
   * counted; a valid code ends both runs.
   */
  function checkCode(userId: string, devices: TotpDeviceRow[], code: string): Promise<{ status: "OK" } | InvalidTOTPResponse | LimitReachedResponse> {
    return oneAtATime(userId, () => checkCodeNow(userId, devices, code));
  }

  async function checkCodeNow(userId: string, devices: TotpDeviceRow[], code: string): Promise<{ status: "OK" } | InvalidTOTPResponse | LimitReachedResponse> {
    const at = now();
    const entries = secondFactorEntries(userId, rule);
    const reservation = await reserve(storage.limits, entries, at);
    if (reservation.status === "LIMITED") return { status: "LIMIT_REACHED_ERROR", retryAfterMs: reservation.retryAfterMs };

    // Every device is checked, with no early exit, so the time taken does not tell which matched.
    let matchedAt: number | undefined;
    for (const device of devices) {
      const secret = base32Decode(secretBox.open(device.secret, sealContext(userId, device.name)));
      const result = verifyTotp({ secret, code, timeMs: at, period: device.period, skew: device.skew });
      // The replay guard stores a step as its start time in seconds, so devices with different
      // periods share one guard without one device's step numbers shadowing the other's.
      if (result.ok) matchedAt = Math.max(matchedAt ?? 0, result.step * device.period);
    }
    // RFC 6238 §5.2: a code is accepted once. The compare-and-set refuses a step at or before the
    // last accepted one, so of two racing uses of one code exactly one succeeds.
    const ok = matchedAt !== undefined && (await store.useStep(userId, matchedAt));
    // The attempts table stays as the record of every checked attempt (ASVS 16.3.1).
    await store.recordAttempt(userId, ok, at);
    if (ok) {
      await resetRuns(storage.limits, entries.map((e) => e.key));
      return { status: "OK" };
    }
    if (matchedAt !== undefined) {
      // The right code for a step already used: refused (RFC 6238 §5.2), but not counted as a
      // guess. It guesses nothing (the step can never be accepted again), and counting it let a
      // burst of one code, or a double submit, lock out the user whose own use had just succeeded.
      await release(storage.limits, reservation.held);
      return { status: "INVALID_TOTP_ERROR", currentNumberOfFailedAttempts: (reservation.runs[0] ?? 1) - 1, maxNumberOfFailedAttempts: rule.max };
    }
    return { status: "INVALID_TOTP_ERROR", currentNumberOfFailedAttempts: reservation.runs[0] ?? 1, maxNumberOfFailedAttempts: rule.max };
  }

  return {
    getUserIdentifierInfoForUserId: async ({ userId }) => {
      const user = await storage.emailPassword.getUserById(userId);
      return user ? { status: "OK", info: user.email } : { status: "USER_IDENTIFIER_INFO_DOES_NOT_EXIST_ERROR" };
    },

    createDevice: async ({ userId, userIdentifierInfo, deviceName, skew = config.defaultSkew, period = config.defaultPeriod, userContext }) => {
      checkDeviceTiming(skew, period);
      let account = userIdentifierInfo;
      if (account === undefined) {
        const info = await self().getUserIdentifierInfoForUserId({ userId, userContext });
        if (info.status === "UNKNOWN_USER_ID_ERROR") return { status: "UNKNOWN_USER_ID_ERROR" };
        if (info.status === "OK") account = info.info;
      }
      // 160 bits (RFC 4226 §4), shown in base32; 20 bytes encode to 32 characters without padding.
      const secret = base32Encode(generateTotpSecret(), { padding: false });
      const create = (name: string) =>
        store.createDevice({ userId, name, secret: secretBox.seal(secret, sealContext(userId, name)), period, skew, verified: false, createdAt: now() });

      let name = deviceName;
      if (name === undefined) {
        // "TOTP Device <n>", n from the number of verified devices up to the first name no verified
        // device holds (an unverified device of that name is replaced), as SuperTokens core does.
        const verified = (await store.listDevices(userId)).filter((d) => d.verified);
        for (let n = verified.length; ; n++) {
          const candidate = `TOTP Device ${n}`;
          if (!verified.some((d) => d.name === candidate) && (await create(candidate))) {
            name = candidate;
            break;
          }
        }
      } else if (!(await create(name))) {
        return { status: "DEVICE_ALREADY_EXISTS_ERROR" };
      }
      return { status: "OK", deviceName: name, secret, qrCodeString: qrCodeString(config.issuer, account, secret, period) };
    },

    updateDevice: async ({ userId, existingDeviceName, newDeviceName }) => {
      const devices = await store.listDevices(userId);
      const device = devices.find((d) => d.name === existingDeviceName);
      if (!device) return { status: "UNKNOWN_DEVICE_ERROR" };
      if (existingDeviceName === newDeviceName) return { status: "OK" };
      if (devices.some((d) => d.name === newDeviceName)) return { status: "DEVICE_ALREADY_EXISTS_ERROR" };
      // The store has no rename: copy the device under the new name (re-sealed, since the seal is
      // bound to the name), then remove the old row.
      const seed = secretBox.open(device.secret, sealContext(userId, device.name));
      const moved = { ...device, name: newDeviceName, secret: secretBox.seal(seed, sealContext(userId, newDeviceName)) };
      if (!(await store.createDevice(moved))) return { status: "DEVICE_ALREADY_EXISTS_ERROR" };
      await store.removeDevice(userId, existingDeviceName);
      return { status: "OK" };
    },

    listDevices: async ({ userId }) => ({
      status: "OK",
      devices: (await store.listDevices(userId)).map((d) => ({ name: d.name, period: d.period, skew: d.skew, verified: d.verified })),
    }),

    removeDevice: async ({ userId, deviceName }) => {
      const didDeviceExist = await store.removeDevice(userId, deviceName);
      // The user's factors changed: remembered devices are forgotten (multifactorauth trusted devices).
      if (didDeviceExist) await credentialsChanged(storage, userId);
      return { status: "OK", didDeviceExist };
    },

    verifyDevice: async ({ userId, deviceName, totp }) => {
      const device = (await store.listDevices(userId)).find((d) => d.name === deviceName);
      if (!device) return { status: "UNKNOWN_DEVICE_ERROR" };
      // Unlike SuperTokens core, an already verified device is not answered OK unchecked: the
      // code is checked (attempt limit and replay guard included) like /totp/verify, so this
      // endpoint can never complete the totp factor without a valid code.
      const result = await checkCode(userId, [device], totp);
      if (result.status !== "OK") return result;
      if (device.verified) return { status: "OK", wasAlreadyVerified: true };
      if (await store.markDeviceVerified(userId, deviceName)) {
        // A new factor: remembered devices are forgotten (multifactorauth trusted devices).
        await credentialsChanged(storage, userId);
        return { status: "OK", wasAlreadyVerified: false };
      }
      // Not changed by us: verified by a concurrent request, or removed meanwhile.
      const still = (await store.listDevices(userId)).find((d) => d.name === deviceName);
      return still?.verified ? { status: "OK", wasAlreadyVerified: true } : { status: "UNKNOWN_DEVICE_ERROR" };
    },

    verifyTOTP: async ({ userId, totp }) => {
      const devices = await store.listDevices(userId);
      if (devices.length === 0) return { status: "UNKNOWN_USER_ID_ERROR" };
      return checkCode(userId, devices.filter((d) => d.verified), totp);
    },
  };
}

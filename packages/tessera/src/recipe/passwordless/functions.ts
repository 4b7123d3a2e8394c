/**
 * The default RecipeInterface of the passwordless recipe: flows, codes and users over storage.
 * No HTTP, no MFA rules (api.ts applies those), no sending (the API sends what this creates).
 */
import { now } from "../../core/clock.js";
import { BadInputError } from "../../core/errors.js";
import { constantTimeEqual, randomId } from "../../core/crypto/random.js";
import type { PasswordlessCodeRow, PasswordlessContact, PasswordlessDeviceRow, Storage } from "../../core/storage.js";
import { findMatchingCode, hashDeviceId, hashLinkCode, hashUserInputCode, newDeviceId, newLinkCode, newPreAuthSessionId, newUserInputCode } from "./codes.js";
import { contactKind, contactOf, isValidEmail, isValidPhoneNumber, normaliseContact, normaliseEmail, normalisePhoneNumber } from "./contact.js";
import type { CodeInputError, Contact, CreatedCode, DeviceInfo, NormalisedPasswordlessConfig, RecipeInterface } from "./types.js";
import { passwordlessUser } from "../../core/user.js";
import { contactsOfUser, findUser, recordSecondFactorKind } from "./users.js";

/** Devices whose codes all expired this long ago are swept (kept a while so a late input still reads "expired"). */
const SWEEP_AFTER_MS = 60 * 60_000;
const SWEEP_EVERY_MS = 60_000;

const RESTART = { status: "RESTART_FLOW_ERROR" } as const;

/** A contact from a caller of the module functions: normalised, and it must be valid (misuse throws). */
function checkedContact(input: Contact): PasswordlessContact {
  const contact = normaliseContact(input);
  if ("email" in contact ? !isValidEmail(contact.email) : !isValidPhoneNumber(contact.phoneNumber)) {
    throw new BadInputError("email" in contact ? "The email is not a valid address" : "The phone number is not a valid number (E.164, with its country code)");
  }
  return contact;
}

function info(device: PasswordlessDeviceRow, codes: readonly PasswordlessCodeRow[]): DeviceInfo {
  return {
    preAuthSessionId: device.preAuthSessionId,
    tenantId: device.tenantId,
    failedCodeInputAttemptCount: device.failedAttempts,
    flowType: device.flowType,
    ...(device.email !== null ? { email: device.email } : { phoneNumber: device.phoneNumber as string }),
    codes: codes.map((c) => ({ codeId: c.codeId, timeCreated: c.createdAt, codeLifetime: c.expiresAt - c.createdAt })),
  };
}

export function makeDefaultFunctions(input: { storage: Storage; config: NormalisedPasswordlessConfig }): RecipeInterface {
  const { storage, config } = input;
  const store = storage.passwordless;
  let lastSweepAt = 0;

  const newCode = (preAuthSessionId: string, deviceId: string, at: number) => {
    const userInputCode = newUserInputCode();
    const linkCode = newLinkCode();
    const row: PasswordlessCodeRow = {
      codeId: randomId(),
      preAuthSessionId,
      userInputCodeHash: hashUserInputCode(deviceId, userInputCode),
      linkCodeHash: hashLinkCode(linkCode),
      createdAt: at,
      expiresAt: at + config.codeLifetimeMs,
    };
    const created: CreatedCode = { status: "OK", preAuthSessionId, codeId: row.codeId, deviceId, userInputCode, linkCode, codeLifetime: config.codeLifetimeMs, timeCreated: at };
    return { row, created };
  };

  /** A failed input: past the limit the device is deleted and the flow must restart (SEC-42). */
  const failed = async (status: CodeInputError["status"], device: PasswordlessDeviceRow, count: number) => {
    if (count < config.maxCodeInputAttempts) return { status, failedCodeInputAttemptCount: count, maximumCodeInputAttempts: config.maxCodeInputAttempts };
    await store.deleteDevice(device.preAuthSessionId);
    return RESTART;
  };

  const signInUp: RecipeInterface["signInUp"] = async ({ tenantId, ...contactInput }) => {
    const contact = checkedContact(contactInput as Contact);
    const existing = await store.getUserByContact(tenantId, contact);
    if (existing) return { status: "OK", createdNewRecipeUser: false, user: passwordlessUser(existing), recipeUserId: existing.userId };
    const row = { userId: randomId(), tenantId, email: null, phoneNumber: null, ...contact, timeJoined: now() };
    if (await store.createUser(row)) return { status: "OK", createdNewRecipeUser: true, user: passwordlessUser(row), recipeUserId: row.userId };
    // A racing sign-up of the same contact won: that user is the one.
    const winner = await store.getUserByContact(tenantId, contact);
    if (!winner) throw new Error("passwordless: the user could neither be created nor found");
    return { status: "OK", createdNewRecipeUser: false, user: passwordlessUser(winner), recipeUserId: winner.userId };
  };

  return {
    async createCode({ tenantId, flowType, ...contactInput }) {
      const contact = checkedContact(contactInput as Contact);
      const at = now();
      if (at - lastSweepAt >= SWEEP_EVERY_MS || at < lastSweepAt) {
        lastSweepAt = at;
        void store.deleteExpired(at - SWEEP_AFTER_MS).catch(() => undefined);
      }
      const deviceId = newDeviceId();
      const { row, created } = newCode(newPreAuthSessionId(), deviceId, at);
      const device: PasswordlessDeviceRow = {
        preAuthSessionId: row.preAuthSessionId,
        deviceIdHash: hashDeviceId(deviceId),
        tenantId,
        email: null,
        phoneNumber: null,
        ...contact,
        flowType: flowType ?? config.flowType,
        failedAttempts: 0,
        createdAt: at,
      };
      await store.createDevice(device, row);
      return created;
    },

    async createNewCodeForDevice({ deviceId, preAuthSessionId, tenantId }) {
      const found = await store.getDevice({ deviceIdHash: hashDeviceId(deviceId) });
      if (!found || found.device.tenantId !== tenantId) return RESTART;
      if (preAuthSessionId !== undefined && !constantTimeEqual(found.device.preAuthSessionId, preAuthSessionId)) return RESTART;
      if (found.device.failedAttempts >= config.maxCodeInputAttempts) return RESTART;
      // Added to the same device: its count of wrong inputs carries on (a resend never resets it).
      const { row, created } = newCode(found.device.preAuthSessionId, deviceId, now());
      return (await store.addCode(row)) ? created : RESTART;
    },

    async consumeCode(input) {
      const { preAuthSessionId, tenantId, session, userContext } = input;
      const found = await store.getDevice({ preAuthSessionId });
      if (!found || found.device.tenantId !== tenantId) return RESTART;
      const { device } = found;
      const contact = contactOf(device);
      if (session !== undefined) {
        // A second factor completes only with a contact the signed-in user already has.
        const own = await contactsOfUser(storage, session.getUserId());
        const mine = "email" in contact ? own.emails.includes(contact.email) : own.phoneNumbers.includes(contact.phoneNumber);
        if (!mine) return { status: "SIGN_IN_UP_NOT_ALLOWED", reason: "The code was sent to an email or phone number that is not the signed-in user's." };
      }

      let code: PasswordlessCodeRow | undefined;
      if (input.linkCode !== undefined) {
        // A link code has 256 bits: a wrong or late one restarts the flow and spends no input.
        if (device.flowType === "USER_INPUT_CODE") return RESTART;
        code = findMatchingCode(found.codes, "linkCodeHash", hashLinkCode(input.linkCode));
        if (code === undefined || now() >= code.expiresAt) return RESTART;
      } else {
        // The input must come from the client that started this flow (its deviceId), and a flow
        // that sent only a link has no code to guess at.
        if (device.flowType === "MAGIC_LINK" || !constantTimeEqual(device.deviceIdHash, hashDeviceId(input.deviceId))) return RESTART;
        // Counted before it is checked: parallel guesses get no more checks than the limit.
        const count = await store.countAttempt(preAuthSessionId, config.maxCodeInputAttempts);
        // The inputs are spent. Not deleted here: the input that spent the last one deletes or
        // consumes the flow, and pulling it from under that input (or under one still checking)
        // left parallel consumes of the right code with no success at all.
        if (count === null) return RESTART;
        const fresh = await store.getDevice({ preAuthSessionId });
        if (!fresh) return RESTART;
        code = findMatchingCode(fresh.codes, "userInputCodeHash", hashUserInputCode(input.deviceId, input.userInputCode));
        if (code === undefined) return failed("INCORRECT_USER_INPUT_CODE_ERROR", device, count);
        // Valid strictly before its expiry time.
        if (now() >= code.expiresAt) return failed("EXPIRED_USER_INPUT_CODE_ERROR", device, count);
      }

      // Single use: of racing consumes of this device exactly one gets it back.
      const consumed = await store.consumeCode(preAuthSessionId, code.codeId);
      if (!consumed) return RESTART;
      const consumedDevice = { preAuthSessionId, failedCodeInputAttemptCount: consumed.failedAttempts, ...contact };

      let result: { createdNewRecipeUser: boolean; user: NonNullable<Awaited<ReturnType<typeof findUser>>>; recipeUserId: string };
      if (session !== undefined) {
        const user = await findUser(storage, session.getUserId());
        if (!user) return { status: "SIGN_IN_UP_NOT_ALLOWED", reason: "The signed-in user no longer exists." };
        await recordSecondFactorKind(storage, user.id, contactKind(contact));
        result = { createdNewRecipeUser: false, user, recipeUserId: session.getRecipeUserId(userContext) };
      } else {
        result = await signInUp({ tenantId, ...contact, userContext } as Contact & { tenantId: string; userContext: typeof userContext });
      }
      // The code reached this address and came back: the address is the user's (supertokens
      // treats passwordless emails as verified).
      if ("email" in contact) await storage.emailVerification.markVerified(result.user.id, contact.email, now());
      return { status: "OK", ...result, consumedDevice };
    },

    signInUp,

    async listCodesByPreAuthSessionId({ preAuthSessionId, tenantId }) {
      const found = await store.getDevice({ preAuthSessionId });
      return found && found.device.tenantId === tenantId ? info(found.device, found.codes) : undefined;
    },

    async listCodesByContact({ tenantId, ...contactInput }) {
      const devices = await store.listDevices(tenantId, normaliseContact(contactInput as Contact));
      const out: DeviceInfo[] = [];
      for (const device of devices) {
        const found = await store.getDevice({ preAuthSessionId: device.preAuthSessionId });
        if (found) out.push(info(found.device, found.codes));
      }
      return out;
    },

    async revokeAllCodes({ tenantId, ...contactInput }) {
      await store.deleteDevices(tenantId, normaliseContact(contactInput as Contact));
      return { status: "OK" };
    },

    async revokeCode(input) {
      if ("codeId" in input) {
        await store.deleteCode(input.codeId);
      } else {
        const found = await store.getDevice({ preAuthSessionId: input.preAuthSessionId });
        if (found && found.device.tenantId === input.tenantId) await store.deleteDevice(input.preAuthSessionId);
      }
      return { status: "OK" };
    },

    async getUserById({ userId }) {
      const row = await store.getUserById(userId);
      return row ? passwordlessUser(row) : undefined;
    },

    async getUserByContact({ tenantId, ...contactInput }) {
      const row = await store.getUserByContact(tenantId, normaliseContact(contactInput as Contact));
      return row ? passwordlessUser(row) : undefined;
    },

    async updateUser({ recipeUserId, email, phoneNumber }) {
      const row = await store.getUserById(recipeUserId);
      if (!row) return { status: "UNKNOWN_USER_ID_ERROR" };
      const changes: { email?: string | null; phoneNumber?: string | null } = {};
      if (email !== undefined) changes.email = email === null ? null : normaliseEmail(email);
      if (phoneNumber !== undefined) changes.phoneNumber = phoneNumber === null ? null : normalisePhoneNumber(phoneNumber);
      if (typeof changes.email === "string" && !isValidEmail(changes.email)) throw new BadInputError("updateUser: the new email is not a valid address");
      if (typeof changes.phoneNumber === "string" && !isValidPhoneNumber(changes.phoneNumber)) throw new BadInputError("updateUser: the new phone number is not a valid number");
      const after = { email: changes.email === undefined ? row.email : changes.email, phoneNumber: changes.phoneNumber === undefined ? row.phoneNumber : changes.phoneNumber };
      if (after.email === null && after.phoneNumber === null) throw new BadInputError("updateUser: a passwordless user keeps an email or a phone number");
      const result = await store.updateUser(recipeUserId, changes);
      if (result === "UNKNOWN_USER") return { status: "UNKNOWN_USER_ID_ERROR" };
      if (result === "EMAIL_ALREADY_EXISTS") return { status: "EMAIL_ALREADY_EXISTS_ERROR" };
      if (result === "PHONE_NUMBER_ALREADY_EXISTS") return { status: "PHONE_NUMBER_ALREADY_EXISTS_ERROR" };
      return { status: "OK" };
    },

    async getContactsForUser({ userId }) {
      return contactsOfUser(storage, userId);
    },
  };
}

/**
 * The TOTP endpoints over real HTTP (protocol 4.4): every status with its exact body, the
 * otpauth URI, input checks (400, nothing stored) and the MFA rules (403, SEC-34).
 */
import { describe, expect, it } from "vitest";
import { base32Decode } from "../../src/core/crypto/base32.js";
import MultiFactorAuth from "../../src/recipe/multifactorauth/index.js";
import { Client } from "../helpers/app.js";
import { AT_T0, enrol, enrolledUserAtT0, installSeed, login, mfaClaim, newUserId, postRaw, rfcCode, T0_MS, totpApp, type TotpApp } from "./helpers.js";

const INVALID = (n: number) => ({ status: "INVALID_TOTP_ERROR", currentNumberOfFailedAttempts: n, maxNumberOfFailedAttempts: 5 });
const st403 = (reason: unknown) => ({ message: "invalid claim", claimValidationErrors: [{ id: "st-mfa", reason }] });
const MFA_NOT_DONE = st403({ message: "MFA requirement for auth is not satisfied" });

const devicesOf = (app: TotpApp, userId: string) => app.rows<{ name: string; verified: number }>("SELECT name, verified FROM totp_devices WHERE user_id = ? ORDER BY name", userId);
const attemptsOf = (app: TotpApp, userId: string) => app.rows<{ success: number }>("SELECT success FROM totp_attempts WHERE user_id = ?", userId);

describe("TOTP endpoints", () => {
  const app = totpApp();

  async function freshUser() {
    app.clock.set(T0_MS);
    const userId = newUserId();
    return { userId, client: await login(app, userId) };
  }

  describe("POST /totp/device", () => {
    it("creates an unverified device and answers exactly {status, deviceName, secret, qrCodeString}", async () => {
      const { userId, client } = await freshUser();
      const reply = await client.request("POST", "/auth/totp/device", { body: { deviceName: "phone" } });
      expect(reply.status).toBe(200);
      expect(Object.keys(reply.body ?? {}).sort()).toEqual(["deviceName", "qrCodeString", "secret", "status"]);
      const { status, deviceName, secret, qrCodeString } = reply.body as Record<string, string>;
      expect([status, deviceName]).toEqual(["OK", "phone"]);
      // 160 bits in base32 without padding (RFC 4226 §4).
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(base32Decode(secret as string)).toHaveLength(20);
      // No email is known for this user: the issuer (appInfo.appName) alone labels the key.
      expect(qrCodeString).toBe(`otpauth://totp/Test?secret=${secret}&issuer=Test&digits=6&period=30`);
      expect(devicesOf(app, userId)).toEqual([{ name: "phone", verified: 0 }]);
    });

    it('names devices "TOTP Device <n>" from the number of verified devices, replacing an unverified one', async () => {
      app.clock.set(T0_MS - 600_000);
      const userId = newUserId();
      const client = await login(app, userId);
      const create = async () => (await client.request("POST", "/auth/totp/device", { body: {} })).body?.deviceName;
      expect(await create()).toBe("TOTP Device 0");
      expect(await create()).toBe("TOTP Device 0");
      expect(devicesOf(app, userId)).toHaveLength(1);
      await enrol(app, client, userId, "TOTP Device 1");
      app.clock.set(T0_MS);
      // One verified device, and "TOTP Device 1" is taken by it: the next free name is 2.
      expect(await create()).toBe("TOTP Device 2");
      expect(devicesOf(app, userId).map((d) => d.name)).toEqual(["TOTP Device 0", "TOTP Device 1", "TOTP Device 2"]);
    });

    it("answers DEVICE_ALREADY_EXISTS_ERROR for the name of a verified device and keeps it", async () => {
      const { userId, client } = await enrolledUserAtT0(app);
      const reply = await client.request("POST", "/auth/totp/device", { body: { deviceName: "phone" } });
      expect(reply).toMatchObject({ status: 200, body: { status: "DEVICE_ALREADY_EXISTS_ERROR" } });
      expect(reply.body).toEqual({ status: "DEVICE_ALREADY_EXISTS_ERROR" });
      expect(devicesOf(app, userId)).toEqual([{ name: "phone", verified: 1 }]);
    });
  });

  it("GET /totp/device/list answers {status, devices:[{name, period, skew, verified}]}", async () => {
    const { client } = await enrolledUserAtT0(app);
    await client.request("POST", "/auth/totp/device", { body: { deviceName: "tablet" } });
    const reply = await client.request("GET", "/auth/totp/device/list");
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      status: "OK",
      devices: [
        { name: "phone", period: 30, skew: 1, verified: true },
        { name: "tablet", period: 30, skew: 1, verified: false },
      ],
    });
    const empty = await (await freshUser()).client.request("GET", "/auth/totp/device/list");
    expect(empty.body).toEqual({ status: "OK", devices: [] });
  });

  it("POST /totp/device/remove answers {status, didDeviceExist}", async () => {
    const { userId, client } = await enrolledUserAtT0(app);
    expect((await client.request("POST", "/auth/totp/device/remove", { body: { deviceName: "phone" } })).body).toEqual({ status: "OK", didDeviceExist: true });
    expect((await client.request("POST", "/auth/totp/device/remove", { body: { deviceName: "phone" } })).body).toEqual({ status: "OK", didDeviceExist: false });
    expect(devicesOf(app, userId)).toEqual([]);
  });

  describe("POST /totp/device/verify", () => {
    it("verifies a device, answers {status, wasAlreadyVerified:false} and completes totp in the session", async () => {
      const { userId, client } = await freshUser();
      await client.request("POST", "/auth/totp/device", { body: { deviceName: "phone" } });
      await installSeed(userId, "phone");
      expect(mfaClaim(client)?.c.totp).toBeUndefined();
      const reply = await client.request("POST", "/auth/totp/device/verify", { body: { deviceName: "phone", totp: AT_T0.T } });
      expect(reply.body).toEqual({ status: "OK", wasAlreadyVerified: false });
      // New access and front tokens in the same response.
      expect(reply.headers.get("front-token")).toBeTruthy();
      expect(mfaClaim(client)).toEqual({ c: { emailpassword: Math.floor(T0_MS / 1000), totp: Math.floor(T0_MS / 1000) }, v: true });
    });

    it("checks the code of an already verified device (unlike SuperTokens) before answering wasAlreadyVerified:true", async () => {
      const { client } = await enrolledUserAtT0(app);
      expect((await client.request("POST", "/auth/totp/device/verify", { body: { deviceName: "phone", totp: "000000" } })).body).toEqual(INVALID(1));
      expect((await client.request("POST", "/auth/totp/device/verify", { body: { deviceName: "phone", totp: AT_T0.T } })).body).toEqual({ status: "OK", wasAlreadyVerified: true });
    });

    it("answers UNKNOWN_DEVICE_ERROR for an unknown name or a user without devices, recording no attempt", async () => {
      const { userId, client } = await freshUser();
      expect((await client.request("POST", "/auth/totp/device/verify", { body: { deviceName: "phone", totp: AT_T0.T } })).body).toEqual({ status: "UNKNOWN_DEVICE_ERROR" });
      await client.request("POST", "/auth/totp/device", { body: { deviceName: "phone" } });
      expect((await client.request("POST", "/auth/totp/device/verify", { body: { deviceName: "Phone", totp: AT_T0.T } })).body).toEqual({ status: "UNKNOWN_DEVICE_ERROR" });
      expect(attemptsOf(app, userId)).toEqual([]);
    });

    it("answers INVALID_TOTP_ERROR with the attempt counts and leaves the device unverified", async () => {
      const { userId, client } = await freshUser();
      await client.request("POST", "/auth/totp/device", { body: { deviceName: "phone" } });
      for (const [n, code] of ["000000", "12345", "abcdef"].entries()) {
        const reply = await client.request("POST", "/auth/totp/device/verify", { body: { deviceName: "phone", totp: code } });
        expect(reply.body).toEqual(INVALID(n + 1));
        expect(reply.headers.get("front-token")).toBeNull();
      }
      expect(devicesOf(app, userId)).toEqual([{ name: "phone", verified: 0 }]);
    });
  });

  describe("POST /totp/verify", () => {
    it("answers OK for a valid code and completes totp in the session", async () => {
      const { client } = await enrolledUserAtT0(app, { requireTotp: true });
      const second = await login(app, client.frontPayload()?.sub as string);
      expect(mfaClaim(second)?.v).toBe(false);
      const reply = await second.request("POST", "/auth/totp/verify", { body: { totp: AT_T0.T } });
      expect(reply.body).toEqual({ status: "OK" });
      expect(mfaClaim(second)).toMatchObject({ c: { totp: Math.floor(T0_MS / 1000) }, v: true });
    });

    it("answers UNKNOWN_USER_ID_ERROR for a user without devices", async () => {
      const { userId, client } = await freshUser();
      expect((await client.request("POST", "/auth/totp/verify", { body: { totp: AT_T0.T } })).body).toEqual({ status: "UNKNOWN_USER_ID_ERROR" });
      expect(attemptsOf(app, userId)).toEqual([]);
    });

    it("checks only verified devices", async () => {
      const { userId, client } = await freshUser();
      await client.request("POST", "/auth/totp/device", { body: { deviceName: "phone" } });
      await installSeed(userId, "phone");
      expect((await client.request("POST", "/auth/totp/verify", { body: { totp: AT_T0.T } })).body).toEqual(INVALID(1));
    });
  });

  it("answers 401 unauthorised on every endpoint without a session", async () => {
    const anonymous = new Client(app.url);
    for (const [method, path] of [["POST", "/auth/totp/device"], ["GET", "/auth/totp/device/list"], ["POST", "/auth/totp/device/remove"], ["POST", "/auth/totp/device/verify"], ["POST", "/auth/totp/verify"]] as const) {
      const reply = await anonymous.request(method, path, method === "POST" ? { body: { deviceName: "phone", totp: AT_T0.T } } : {});
      expect([path, reply.status, reply.body]).toEqual([path, 401, { message: "unauthorised" }]);
    }
  });

  describe("bad input: 400 {message} and nothing stored", () => {
    const cases: [string, string][] = [
      ["/auth/totp/device", '{"deviceName":5}'],
      ["/auth/totp/device", '{"deviceName":""}'],
      ["/auth/totp/device", '{"deviceName":null}'],
      ["/auth/totp/device", `{"deviceName":"${"x".repeat(300)}"}`],
      // Found by a new-user trial: a NUL answered 500 on PostgreSQL; an escape sequence was listed back.
      ["/auth/totp/device", '{"deviceName":"ph\\u0000one"}'],
      ["/auth/totp/device", '{"deviceName":"\\u001b[31mred"}'],
      ["/auth/totp/device/remove", '{"deviceName":"x\\u0000"}'],
      ["/auth/totp/device", "[]"],
      ["/auth/totp/device", '{"deviceName":'],
      ["/auth/totp/device/remove", "{}"],
      ["/auth/totp/device/remove", '{"deviceName":["phone"]}'],
      ["/auth/totp/device/verify", '{"deviceName":"phone"}'],
      ["/auth/totp/device/verify", '{"totp":"081804"}'],
      ["/auth/totp/device/verify", '{"deviceName":"phone","totp":81804}'],
      ["/auth/totp/device/verify", '{"deviceName":{"$ne":1},"totp":"081804"}'],
      ["/auth/totp/device/verify", "not json"],
      ["/auth/totp/verify", "{}"],
      ["/auth/totp/verify", '{"totp":81804}'],
      ["/auth/totp/verify", '{"totp":null}'],
      ["/auth/totp/verify", '{"totp":["081804"]}'],
      ["/auth/totp/verify", '"081804"'],
      ["/auth/totp/verify", "{"],
    ];
    for (const [path, text] of cases) {
      it(`${path} ${text.slice(0, 40)}`, async () => {
        const { userId, client } = await enrolledUserAtT0(app);
        const reply = await postRaw(client, path, text);
        expect(reply.status).toBe(400);
        expect(Object.keys(reply.body as object)).toEqual(["message"]);
        expect(typeof (reply.body as { message: unknown }).message).toBe("string");
        expect(devicesOf(app, userId)).toEqual([{ name: "phone", verified: 1 }]);
        // Only the enrolment's successful attempt.
        expect(attemptsOf(app, userId)).toEqual([{ success: 1 }]);
      });
    }
  });

  describe("MFA rules", () => {
    it("SEC-34: refuses to remove a verified device from a session that has not completed MFA", async () => {
      const { userId } = await enrolledUserAtT0(app, { requireTotp: true });
      const firstFactorOnly = await login(app, userId);
      expect(mfaClaim(firstFactorOnly)).toMatchObject({ v: false });
      const reply = await firstFactorOnly.request("POST", "/auth/totp/device/remove", { body: { deviceName: "phone" } });
      expect([reply.status, reply.body]).toEqual([403, MFA_NOT_DONE]);
      expect(devicesOf(app, userId)).toEqual([{ name: "phone", verified: 1 }]);
      // After the second factor the same session may remove it.
      expect((await firstFactorOnly.request("POST", "/auth/totp/verify", { body: { totp: AT_T0.T } })).body).toEqual({ status: "OK" });
      expect((await firstFactorOnly.request("POST", "/auth/totp/device/remove", { body: { deviceName: "phone" } })).body).toEqual({ status: "OK", didDeviceExist: true });
    });

    it("lets a first-factor session remove an unverified device", async () => {
      const { userId } = await enrolledUserAtT0(app, { requireTotp: true });
      const firstFactorOnly = await login(app, userId);
      await installSeed(userId, "spare");
      expect((await firstFactorOnly.request("POST", "/auth/totp/device/remove", { body: { deviceName: "spare" } })).body).toEqual({ status: "OK", didDeviceExist: true });
    });

    it("refuses to create or verify a device while a set-up factor is still to be completed", async () => {
      const { userId } = await enrolledUserAtT0(app, { requireTotp: true });
      const firstFactorOnly = await login(app, userId);
      const reason = st403("Completed factors in the session does not satisfy the MFA requirements for auth");
      const create = await firstFactorOnly.request("POST", "/auth/totp/device", { body: { deviceName: "attacker" } });
      expect([create.status, create.body]).toEqual([403, reason]);
      const verify = await firstFactorOnly.request("POST", "/auth/totp/device/verify", { body: { deviceName: "phone", totp: AT_T0.T } });
      expect([verify.status, verify.body]).toEqual([403, reason]);
      expect(devicesOf(app, userId)).toEqual([{ name: "phone", verified: 1 }]);
      expect(attemptsOf(app, userId)).toEqual([{ success: 1 }]);
      // The code was not consumed by the refused request.
      expect((await firstFactorOnly.request("POST", "/auth/totp/verify", { body: { totp: AT_T0.T } })).body).toEqual({ status: "OK" });
    });

    it("refuses to set up totp when the next required factor is another one", async () => {
      app.clock.set(T0_MS);
      const userId = newUserId();
      await MultiFactorAuth.addToRequiredSecondaryFactorsForUser(userId, "otp-email");
      const client = await login(app, userId);
      const reply = await client.request("POST", "/auth/totp/device", { body: {} });
      expect([reply.status, reply.body]).toEqual([403, st403("Not allowed to setup factor that is not in the next set of unsatisfied factors")]);
      expect(devicesOf(app, userId)).toEqual([]);
    });
  });

  it("works in header mode too", async () => {
    app.clock.set(T0_MS - 600_000);
    const userId = newUserId();
    const client = await login(app, userId, "header");
    await enrol(app, client, userId);
    app.clock.set(T0_MS);
    expect((await client.request("POST", "/auth/totp/verify", { body: { totp: rfcCode(T0_MS) } })).body).toEqual({ status: "OK" });
  });
});

describe("TOTP otpauth URI", () => {
  const app = totpApp({
    totp: {
      issuer: "Acme: Q&A #1",
      override: { functions: (original) => ({ ...original, getUserIdentifierInfoForUserId: async () => ({ status: "OK", info: "alice+mfa@example.com" }) }) },
    },
  });

  it("puts the issuer and the user's identifier in the label and the issuer parameter", async () => {
    app.clock.set(T0_MS);
    const client = await login(app, newUserId());
    const { secret, qrCodeString } = (await client.request("POST", "/auth/totp/device", { body: {} })).body as Record<string, string>;
    expect(qrCodeString).toBe(`otpauth://totp/Acme%3A%20Q%26A%20%231:alice%2Bmfa%40example.com?secret=${secret}&issuer=Acme%3A%20Q%26A%20%231&digits=6&period=30`);
  });
});

/**
 * TOTP security cases over real HTTP (security-cases.md §1.3 and category H): RFC 6238 vectors,
 * the skew window and client-supplied times (SEC-39), replay (SEC-37), the attempt limit
 * (SEC-40), and the seed at rest.
 */
import { describe, expect, it } from "vitest";
import { base32Decode } from "../../src/core/crypto/base32.js";
import { totpCode } from "../../src/core/crypto/otp.js";
import { Client } from "../helpers/app.js";
import {
  AT_T0,
  AT_T0_PLUS_900,
  enrolledUserAtT0,
  installSeed,
  login,
  mfaClaim,
  newUserId,
  rfcCode,
  T0_MS,
  totpApp,
  type TotpApp,
} from "./helpers.js";

const INVALID = (n: number) => ({ status: "INVALID_TOTP_ERROR", currentNumberOfFailedAttempts: n, maxNumberOfFailedAttempts: 5 });
const verify = async (client: Client, totp: string, extra: { body?: Record<string, unknown>; headers?: Record<string, string> } = {}) =>
  (await client.request("POST", "/auth/totp/verify", { body: { totp, ...extra.body }, headers: extra.headers })).body;
const verifyDevice = async (client: Client, totp: string, deviceName = "phone") =>
  (await client.request("POST", "/auth/totp/device/verify", { body: { deviceName, totp } })).body;
const lastStep = (app: TotpApp, userId: string) => app.rows<{ last_used_step: number }>("SELECT last_used_step FROM totp_users WHERE user_id = ?", userId)[0]?.last_used_step;
/** The replay guard keeps the start of the accepted step in seconds: step × period. */
const stepStart = (step: number) => step * 30;
const T0_STEP = 37_037_036;

describe("TOTP security", () => {
  const app = totpApp();

  describe("RFC 6238 Appendix B (SHA-1 seed, 6-digit form) through the API", () => {
    // The 8-digit values of the RFC table reduce to their last 6 digits (same truncated value mod 10^6).
    const vectors: [number, string][] = [
      [59, "287082"],
      [1_111_111_109, "081804"],
      [1_111_111_111, "050471"],
      [1_234_567_890, "005924"],
      [2_000_000_000, "279037"],
      [20_000_000_000, "353130"],
    ];
    for (const [seconds, code] of vectors) {
      it(`verifies ${code} at t = ${seconds}`, async () => {
        app.clock.set(seconds * 1000);
        expect(rfcCode(seconds * 1000)).toBe(code);
        const userId = newUserId();
        const client = await login(app, userId);
        await client.request("POST", "/auth/totp/device", { body: { deviceName: "rfc" } });
        await installSeed(userId, "rfc");
        expect(await verifyDevice(client, code, "rfc")).toEqual({ status: "OK", wasAlreadyVerified: false });
      });
    }

    it("accepts T = 0, 1, 2 at t = 59 and rejects T = 3 (969429)", async () => {
      for (const code of ["755224", "287082", "359152"]) {
        app.clock.set(59_000);
        const userId = newUserId();
        const client = await login(app, userId);
        await client.request("POST", "/auth/totp/device", { body: { deviceName: "rfc" } });
        await installSeed(userId, "rfc");
        expect(await verifyDevice(client, code, "rfc")).toEqual({ status: "OK", wasAlreadyVerified: false });
      }
      const userId = newUserId();
      const client = await login(app, userId);
      await client.request("POST", "/auth/totp/device", { body: { deviceName: "rfc" } });
      await installSeed(userId, "rfc");
      expect(await verifyDevice(client, "969429", "rfc")).toEqual(INVALID(1));
    });
  });

  describe("SEC-39 skew window and client-supplied time", () => {
    for (const [label, code, ok] of [
      ["T−1", AT_T0["T-1"], true],
      ["T+1", AT_T0["T+1"], true],
      ["T", AT_T0.T, true],
      ["T−2", AT_T0["T-2"], false],
      ["T+2", AT_T0["T+2"], false],
    ] as const) {
      it(`${ok ? "accepts" : "rejects"} ${label} (${code}) at t0`, async () => {
        const { userId, client } = await enrolledUserAtT0(app);
        const before = lastStep(app, userId);
        expect(await verify(client, code)).toEqual(ok ? { status: "OK" } : INVALID(1));
        // Only a success moves the replay guard.
        expect(lastStep(app, userId)).toBe(ok ? stepStart(T0_STEP + { "T−1": -1, "T+1": 1, T: 0 }[label as "T−1" | "T+1" | "T"]) : before);
      });
    }

    it("ignores a time in the body and an X-Client-Time header", async () => {
      const { client } = await enrolledUserAtT0(app);
      const claimed = { body: { time: 1_111_111_049 }, headers: { "x-client-time": "1111111049" } };
      // 150727 is the code of T−2 at t0, i.e. of T at the claimed time: still refused.
      expect(await verify(client, AT_T0["T-2"], claimed)).toEqual(INVALID(1));
      expect(await verify(client, AT_T0.T, { body: { time: 0 }, headers: { "x-client-time": "0" } })).toEqual({ status: "OK" });
    });
  });

  describe("SEC-37 replay", () => {
    it("refuses a code already used by another session of the user, inside its window", async () => {
      const { userId } = await enrolledUserAtT0(app, { requireTotp: true });
      const s1 = await login(app, userId);
      const s2 = await login(app, userId);
      expect(await verify(s1, AT_T0.T)).toEqual({ status: "OK" });
      expect(mfaClaim(s1)?.v).toBe(true);
      app.clock.set(T0_MS + 5_000);
      const replay = await s2.request("POST", "/auth/totp/verify", { body: { totp: AT_T0.T } });
      // Refused, and not counted as a guess: it guesses nothing (see the burst case below).
      expect(replay.body).toEqual(INVALID(0));
      expect(replay.headers.get("front-token")).toBeNull();
      expect(mfaClaim(s2)?.v).toBe(false);
      expect(lastStep(app, userId)).toBe(stepStart(T0_STEP));
    });

    it("refuses an older code once a later one was accepted, and the same code on device/verify", async () => {
      const { client } = await enrolledUserAtT0(app);
      expect(await verify(client, AT_T0["T+1"])).toEqual({ status: "OK" });
      expect(await verify(client, AT_T0.T)).toEqual(INVALID(0));
      expect(await verifyDevice(client, AT_T0["T+1"])).toEqual(INVALID(0));
      // A wrong code is still counted.
      expect(await verify(client, AT_T0["T+1"] === "000000" ? "000001" : "000000")).toEqual(INVALID(1));
    });

    // Found by a new-user trial on PostgreSQL: twenty parallel submissions of one right code gave
    // one OK, and the nineteen replays counted as failures, locking out the user who had just
    // succeeded (the next step's code got LIMIT_REACHED_ERROR for 15 minutes).
    it("does not lock out the user after a burst of one right code", async () => {
      const { userId } = await enrolledUserAtT0(app, { requireTotp: true });
      const sessions = await Promise.all(Array.from({ length: 10 }, () => login(app, userId)));
      const results = await Promise.all(sessions.map((s) => verify(s, AT_T0.T)));
      expect(results.filter((r) => r?.status === "OK")).toHaveLength(1);
      expect(results.filter((r) => r?.status === "INVALID_TOTP_ERROR")).toHaveLength(9);
      // The next step's code works for a new session: no lock was left behind.
      expect(await verify(await login(app, userId), AT_T0["T+1"])).toEqual({ status: "OK" });
    });

    it("lets exactly one of two parallel uses of one code through", async () => {
      for (let round = 0; round < 5; round++) {
        const { userId } = await enrolledUserAtT0(app, { requireTotp: true });
        const [s1, s2] = [await login(app, userId), await login(app, userId)];
        const results = await Promise.all([verify(s1, AT_T0.T), verify(s2, AT_T0.T)]);
        expect(results.filter((r) => r?.status === "OK")).toHaveLength(1);
        expect(results.filter((r) => r?.status === "INVALID_TOTP_ERROR")).toHaveLength(1);
        expect([mfaClaim(s1)?.v, mfaClaim(s2)?.v].filter(Boolean)).toHaveLength(1);
        expect(lastStep(app, userId)).toBe(stepStart(T0_STEP));
      }
    });
  });

  describe("SEC-40 attempt limit", () => {
    const WRONG = ["000000", "111111", "222222", "333333", "444444"];

    it("locks after five failures, blocks the right code for the cooldown, then lets it through", async () => {
      const { userId, client } = await enrolledUserAtT0(app, { requireTotp: true });
      const session = await login(app, userId);
      for (const [i, code] of WRONG.entries()) expect(await verify(session, code)).toEqual(INVALID(i + 1));
      const locked = await session.request("POST", "/auth/totp/verify", { body: { totp: AT_T0.T } });
      expect(locked.body).toEqual({ status: "LIMIT_REACHED_ERROR", retryAfterMs: 900_000 });
      expect(locked.headers.get("front-token")).toBeNull();
      expect(mfaClaim(session)?.v).toBe(false);
      // Blocked attempts are not recorded: the lock does not grow.
      app.clock.set(T0_MS + 600_000);
      expect(await verify(session, AT_T0.T)).toEqual({ status: "LIMIT_REACHED_ERROR", retryAfterMs: 300_000 });
      // Shared by the two endpoints and by every session of the user.
      expect(await verifyDevice(client, rfcCode(app.clock.now()))).toEqual({ status: "LIMIT_REACHED_ERROR", retryAfterMs: 300_000 });
      app.clock.set(T0_MS + 899_999);
      expect(await verify(session, AT_T0_PLUS_900)).toEqual({ status: "LIMIT_REACHED_ERROR", retryAfterMs: 1 });
      app.clock.set(T0_MS + 900_000);
      expect(await verify(session, AT_T0_PLUS_900)).toEqual({ status: "OK" });
      expect(mfaClaim(session)?.v).toBe(true);
      const attempts = app.rows<{ success: number }>("SELECT success FROM totp_attempts WHERE user_id = ? ORDER BY id", userId);
      // Enrolment, five failures, the final success.
      expect(attempts.map((a) => a.success)).toEqual([1, 0, 0, 0, 0, 0, 1]);
    });

    it("counts failures across both endpoints and two sessions", async () => {
      const { userId, client } = await enrolledUserAtT0(app);
      const other = await login(app, userId);
      expect(await verify(client, WRONG[0] as string)).toEqual(INVALID(1));
      expect(await verifyDevice(other, WRONG[1] as string)).toEqual(INVALID(2));
      expect(await verify(other, WRONG[2] as string)).toEqual(INVALID(3));
      expect(await verifyDevice(client, WRONG[3] as string)).toEqual(INVALID(4));
      expect(await verify(client, WRONG[4] as string)).toEqual(INVALID(5));
      expect(await verify(other, AT_T0.T)).toEqual({ status: "LIMIT_REACHED_ERROR", retryAfterMs: 900_000 });
      expect(await verifyDevice(client, AT_T0.T)).toEqual({ status: "LIMIT_REACHED_ERROR", retryAfterMs: 900_000 });
    });

    it("restarts the count after a success, and gives the whole budget back after the cooldown", async () => {
      const { client } = await enrolledUserAtT0(app);
      for (let i = 0; i < 4; i++) expect(await verify(client, WRONG[i] as string)).toEqual(INVALID(i + 1));
      expect(await verify(client, AT_T0.T)).toEqual({ status: "OK" });
      expect(await verify(client, WRONG[0] as string)).toEqual(INVALID(1));
      for (let i = 1; i < 5; i++) expect(await verify(client, WRONG[i] as string)).toEqual(INVALID(i + 1));
      expect((await verify(client, WRONG[0] as string))?.status).toBe("LIMIT_REACHED_ERROR");
      app.clock.set(T0_MS + 900_000);
      for (let i = 0; i < 5; i++) expect(await verify(client, WRONG[i] as string)).toEqual(INVALID(i + 1));
      expect((await verify(client, AT_T0_PLUS_900))?.status).toBe("LIMIT_REACHED_ERROR");
    });

    it("holds against a burst of parallel guesses", async () => {
      const { userId, client } = await enrolledUserAtT0(app);
      const other = await login(app, userId);
      const guesses = Array.from({ length: 20 }, (_, i) => String(100_000 + i));
      const results = await Promise.all(guesses.map((code, i) => verify(i % 2 === 0 ? client : other, code)));
      expect(results.filter((r) => r?.status === "INVALID_TOTP_ERROR").map((r) => r?.currentNumberOfFailedAttempts)).toEqual([1, 2, 3, 4, 5]);
      expect(results.filter((r) => r?.status === "LIMIT_REACHED_ERROR")).toHaveLength(15);
      expect(app.rows("SELECT 1 FROM totp_attempts WHERE user_id = ? AND success = 0", userId)).toHaveLength(5);
    });

    it("is per user", async () => {
      const a = await enrolledUserAtT0(app);
      const b = await enrolledUserAtT0(app);
      for (let i = 0; i < 5; i++) await verify(a.client, WRONG[i] as string);
      expect(await verify(b.client, AT_T0.T)).toEqual({ status: "OK" });
    });
  });
});

describe("TOTP seed at rest", () => {
  const masterKey = "4f0d2c6b9e1a7d3c5b8e2f6a1d9c4b7e0a3f6d2c8b5e1a9f7c4d0b6e3a2f8c1d";
  const app = totpApp({ masterKey });

  it("stores the seed sealed with the master key, never the base32 secret in clear", async () => {
    app.clock.set(T0_MS);
    const userId = newUserId();
    const client = await login(app, userId);
    const { secret } = (await client.request("POST", "/auth/totp/device", { body: { deviceName: "phone" } })).body as { secret: string };
    const rows = app.rows<Record<string, unknown>>("SELECT * FROM totp_devices WHERE user_id = ?", userId);
    expect(rows).toHaveLength(1);
    const stored = String(rows[0]?.secret);
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain(secret);
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(Buffer.from(stored).toString("base64")).not.toContain(Buffer.from(secret).toString("base64"));
    // The code of the secret the client was shown verifies: the sealed value opens back to it.
    expect(await verifyDevice(client, totpCode(base32Decode(secret), T0_MS))).toEqual({ status: "OK", wasAlreadyVerified: false });
  });

  it("keeps the whole database free of the secret", async () => {
    app.clock.set(T0_MS);
    const client = await login(app, newUserId());
    const { secret } = (await client.request("POST", "/auth/totp/device", {})).body as { secret: string };
    const tables = app.rows<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'");
    for (const { name } of tables) expect(JSON.stringify(app.rows(`SELECT * FROM "${name}"`))).not.toContain(secret);
  });
});

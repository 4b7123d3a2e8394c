/**
 * One account lockout across factors (issue 7): password, TOTP and recovery-code failures count
 * toward the same runs, whatever session or X-Forwarded-For they come with (security-cases.md
 * SEC-40 step 4), and a right password that still owes a second factor does not wipe them.
 */
import { describe, expect, it } from "vitest";
import { codeFor, limitsApp, mfaClaim, PASSWORD, signIn, T0_MS, userWithCodes, verifyCode, verifyTotp, WRONG_CREDENTIALS } from "./helpers.js";

const MINUTE = 60_000;
const xff = (i: number) => ({ "x-forwarded-for": `192.0.2.${i}` });
const invalidTotp = (n: number) => ({ status: "INVALID_TOTP_ERROR", currentNumberOfFailedAttempts: n, maxNumberOfFailedAttempts: 5 });
const invalidCode = (n: number) => ({ status: "INVALID_RECOVERY_CODE_ERROR", currentNumberOfFailedAttempts: n, maxNumberOfFailedAttempts: 5 });

describe("lockout across factors", () => {
  const app = limitsApp();

  it("SEC-40 step 4: five failures spread over TOTP and recovery codes, two sessions and rotating X-Forwarded-For make one lock", async () => {
    app.clock.set(T0_MS);
    const { email, secret, codes } = await userWithCodes(app);
    app.clock.advance(2 * MINUTE);
    const [s1, s2] = [app.client(), app.client()];
    for (const s of [s1, s2]) expect((await signIn(s, email)).body?.status).toBe("OK");
    expect(mfaClaim(s1)?.v).toBe(false);
    expect((await verifyTotp(s1, "000000", xff(1))).body).toEqual(invalidTotp(1));
    expect((await verifyCode(s2, "aaaaa-aaaaa", xff(2))).body).toEqual(invalidCode(2));
    expect((await verifyTotp(s2, "111111", xff(3))).body).toEqual(invalidTotp(3));
    expect((await verifyCode(s1, "bbbbb-bbbbb", xff(4))).body).toEqual(invalidCode(4));
    expect((await verifyTotp(s1, "222222", xff(5))).body).toEqual(invalidTotp(5));
    // The right TOTP code and a real recovery code are both refused, on either session.
    const start = app.clock.now();
    expect((await verifyTotp(s2, codeFor(secret, start), xff(6))).body).toEqual({ status: "LIMIT_REACHED_ERROR", retryAfterMs: 900_000 });
    expect((await verifyCode(s1, codes[0] as string, xff(7))).body).toEqual({ status: "LIMIT_REACHED_ERROR", retryAfterMs: 900_000 });
    expect([mfaClaim(s1)?.v, mfaClaim(s2)?.v]).toEqual([false, false]);
    app.clock.set(start + 15 * MINUTE);
    expect((await verifyCode(s1, codes[0] as string)).body).toEqual({ status: "OK", remainingCodes: 9 });
    expect(mfaClaim(s1)?.v).toBe(true);
  });

  it("locks every factor once password, TOTP and recovery-code failures reach the account limit", async () => {
    app.clock.set(T0_MS + 100 * MINUTE);
    const { email, userId, secret, codes } = await userWithCodes(app);
    app.clock.advance(2 * MINUTE);
    // Two sessions that passed the password earlier (they still owe the second factor).
    const [s1, s2] = [app.client(), app.client()];
    for (const s of [s1, s2]) expect((await signIn(s, email)).body?.status).toBe("OK");
    const attacker = app.client();
    for (let i = 0; i < 5; i++) expect((await signIn(attacker, email, `guess-${i}`, xff(i))).body).toEqual(WRONG_CREDENTIALS);
    expect((await verifyTotp(s1, "000000")).body).toEqual(invalidTotp(1));
    expect((await verifyTotp(s1, "111111")).body).toEqual(invalidTotp(2));
    expect((await verifyCode(s2, "aaaaa-aaaaa")).body).toEqual(invalidCode(3));
    expect((await verifyCode(s2, "bbbbb-bbbbb")).body).toEqual(invalidCode(4));
    // The tenth failure of the account, by password.
    expect((await signIn(attacker, email, "guess-5", xff(9))).body).toEqual(WRONG_CREDENTIALS);
    expect(app.rows<{ failures: number }>("SELECT failures FROM limit_counters WHERE counter_key = ?", `account:${userId}`)[0]?.failures).toBe(10);
    const lockedAt = app.clock.now();
    expect((await signIn(app.client(), email)).body).toEqual(WRONG_CREDENTIALS);
    expect((await verifyTotp(s1, codeFor(secret, lockedAt))).body).toEqual({ status: "LIMIT_REACHED_ERROR", retryAfterMs: 900_000 });
    expect((await verifyCode(s2, codes[1] as string)).body).toEqual({ status: "LIMIT_REACHED_ERROR", retryAfterMs: 900_000 });
    app.clock.set(lockedAt + 15 * MINUTE);
    expect((await verifyTotp(s1, codeFor(secret, app.clock.now()))).body).toEqual({ status: "OK" });
    // The completed second factor ended both runs.
    expect(app.rows("SELECT 1 FROM limit_counters WHERE counter_key IN (?, ?)", `account:${userId}`, `second-factor:${userId}`)).toEqual([]);
    expect((await signIn(app.client(), email)).body?.status).toBe("OK");
  });

  it("does not let a right password that still owes a second factor wipe the failures", async () => {
    app.clock.set(T0_MS + 200 * MINUTE);
    const { email, userId, secret } = await userWithCodes(app);
    app.clock.advance(2 * MINUTE);
    for (let i = 0; i < 9; i++) await signIn(app.client(), email, `typo-${i}`);
    const session = app.client();
    expect((await signIn(session, email, PASSWORD)).body?.status).toBe("OK");
    expect(mfaClaim(session)?.v).toBe(false);
    expect(app.rows<{ failures: number }>("SELECT failures FROM limit_counters WHERE counter_key = ?", `account:${userId}`)[0]?.failures).toBe(9);
    // Someone who knows the password cannot reset the count by signing in again between guesses.
    expect((await verifyTotp(session, "000000")).body).toEqual(invalidTotp(1));
    expect((await verifyTotp(session, codeFor(secret, app.clock.now()))).body?.status).toBe("LIMIT_REACHED_ERROR");
    expect((await signIn(app.client(), email)).body).toEqual(WRONG_CREDENTIALS);
  });

  it("lets the owner through both factors right after a lock ends: the right password does not re-arm it", async () => {
    app.clock.set(T0_MS + 300 * MINUTE);
    const { email, userId, secret } = await userWithCodes(app);
    app.clock.advance(2 * MINUTE);
    for (let i = 0; i < 10; i++) await signIn(app.client(), email, `guess-${i}`);
    app.clock.advance(15 * MINUTE);
    const owner = app.client();
    expect((await signIn(owner, email)).body?.status).toBe("OK");
    // Still ten failures, and no lock: the second factor goes through and ends the run.
    expect(app.rows<{ failures: number }>("SELECT failures FROM limit_counters WHERE counter_key = ?", `account:${userId}`)[0]?.failures).toBe(10);
    expect((await verifyTotp(owner, codeFor(secret, app.clock.now()))).body).toEqual({ status: "OK" });
    expect(mfaClaim(owner)?.v).toBe(true);
    expect(app.rows("SELECT 1 FROM limit_counters WHERE counter_key = ?", `account:${userId}`)).toEqual([]);
  });
});

/**
 * Recovery-code security cases (security-cases.md category J): SEC-46 (single use, storage,
 * regeneration), ten parallel uses of one code, failures on the shared limit, and what ten
 * verifications cost.
 */
import { parseOptions } from "@node-rs/argon2";
import { describe, expect, it } from "vitest";
import { getInstance } from "../../src/core/instance.js";
import RecoveryCodes from "../../src/recipe/recoverycodes/index.js";
import { limitsApp, mfaClaim, signIn, T0_MS, userWithCodes, verifyCode } from "../limits/helpers.js";

const MINUTE = 60_000;
const plain = (code: string) => code.replace("-", "").toUpperCase();

describe("SEC-46 recovery-code reuse, storage and regeneration", () => {
  const app = limitsApp();

  it("accepts code #1 once, drops the count by exactly one, and refuses it the second time", async () => {
    app.clock.set(T0_MS);
    const { email, userId, codes } = await userWithCodes(app);
    const [s1, s2] = [app.client(), app.client()];
    for (const s of [s1, s2]) await signIn(s, email);
    expect((await verifyCode(s1, codes[0] as string)).body).toEqual({ status: "OK", remainingCodes: 9 });
    const rows = app.rows<{ used_at: number | null }>("SELECT used_at FROM recovery_codes WHERE user_id = ?", userId);
    expect(rows.filter((r) => r.used_at !== null)).toHaveLength(1);
    expect(rows.filter((r) => r.used_at === null)).toHaveLength(9);
    expect((await verifyCode(s2, codes[0] as string)).body).toEqual({ status: "INVALID_RECOVERY_CODE_ERROR", currentNumberOfFailedAttempts: 1, maxNumberOfFailedAttempts: 5 });
    expect(mfaClaim(s2)?.v).toBe(false);
    expect(await RecoveryCodes.getRemainingCodeCount(userId)).toBe(9);
  });

  it("keeps no plaintext anywhere in the database, only salted argon2id hashes", async () => {
    app.clock.set(T0_MS + 10 * MINUTE);
    const { userId, codes } = await userWithCodes(app);
    const tables = app.rows<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'");
    for (const { name } of tables) {
      const dump = JSON.stringify(app.rows(`SELECT * FROM "${name}"`)).toUpperCase();
      for (const code of codes) {
        expect(dump).not.toContain(plain(code));
        expect(dump).not.toContain(code.toUpperCase());
      }
    }
    const hashes = app.rows<{ code_hash: string }>("SELECT code_hash FROM recovery_codes WHERE user_id = ?", userId).map((r) => r.code_hash);
    expect(hashes).toHaveLength(10);
    const salts = new Set<string>();
    for (const hash of hashes) {
      // PHC string: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>; the salt is 16 bytes (NIST: ≥ 32 bits).
      expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(parseOptions(hash).algorithm).toBe(2);
      const salt = hash.split("$")[4] as string;
      expect(Buffer.from(salt, "base64").length).toBeGreaterThanOrEqual(16);
      salts.add(salt);
    }
    expect(salts.size).toBe(10);
  });

  it("invalidates every old code when the set is regenerated", async () => {
    app.clock.set(T0_MS + 20 * MINUTE);
    const { email, client, codes: old } = await userWithCodes(app);
    const replaced = await client.request("POST", "/auth/recovery-codes");
    const fresh = replaced.body?.codes as string[];
    expect(fresh).toHaveLength(10);
    const c = app.client();
    await signIn(c, email);
    expect((await verifyCode(c, old[1] as string)).body?.status).toBe("INVALID_RECOVERY_CODE_ERROR");
    expect((await verifyCode(c, fresh[1] as string)).body).toEqual({ status: "OK", remainingCodes: 9 });
  });
});

describe("parallel uses of one code", () => {
  const app = limitsApp();

  it("lets exactly one of ten parallel uses succeed", async () => {
    for (let round = 0; round < 3; round++) {
      app.clock.set(T0_MS + round * 100 * MINUTE);
      const { email, userId, codes } = await userWithCodes(app);
      const sessions = [];
      for (let i = 0; i < 10; i++) {
        const s = app.client();
        await signIn(s, email);
        sessions.push(s);
      }
      const replies = await Promise.all(sessions.map((s) => verifyCode(s, codes[5] as string)));
      const statuses = replies.map((r) => r.body?.status);
      expect(statuses.filter((s) => s === "OK")).toHaveLength(1);
      expect(statuses.filter((s) => s !== "OK" && s !== "INVALID_RECOVERY_CODE_ERROR" && s !== "LIMIT_REACHED_ERROR")).toEqual([]);
      expect(sessions.filter((s) => mfaClaim(s)?.v === true)).toHaveLength(1);
      expect(app.rows("SELECT 1 FROM recovery_codes WHERE user_id = ? AND used_at IS NOT NULL", userId)).toHaveLength(1);
    }
  });
});

describe("recovery-code attempts", () => {
  const app = limitsApp();

  it("locks after five wrong codes for 15 min, blocking a real code, and gives the budget back after", async () => {
    app.clock.set(T0_MS);
    const { email, codes } = await userWithCodes(app);
    const c = app.client();
    await signIn(c, email);
    for (let i = 1; i <= 5; i++) expect((await verifyCode(c, `wrong-${i}`)).body).toEqual({ status: "INVALID_RECOVERY_CODE_ERROR", currentNumberOfFailedAttempts: i, maxNumberOfFailedAttempts: 5 });
    expect((await verifyCode(c, codes[0] as string)).body).toEqual({ status: "LIMIT_REACHED_ERROR", retryAfterMs: 900_000 });
    // A refused attempt uses no code.
    expect(await RecoveryCodes.getRemainingCodeCount(mfaUser(c))).toBe(10);
    app.clock.advance(15 * MINUTE);
    expect((await verifyCode(c, codes[0] as string)).body).toEqual({ status: "OK", remainingCodes: 9 });
  });

  it("answers 400 for a missing or oversized code", async () => {
    app.clock.set(T0_MS + 100 * MINUTE);
    const { client } = await userWithCodes(app);
    expect((await client.request("POST", "/auth/recovery-codes/verify", { body: {} })).status).toBe(400);
    expect((await client.request("POST", "/auth/recovery-codes/verify", { body: { code: 12345 } })).status).toBe(400);
    expect((await client.request("POST", "/auth/recovery-codes/verify", { body: { code: "a".repeat(65) } })).status).toBe(400);
  });
});

describe("the cost of checking a code", () => {
  const app = limitsApp();

  it("checks a wrong code against all ten hashes in well under a second (argon2id on the thread pool)", async () => {
    app.clock.set(T0_MS);
    const { userId } = await userWithCodes(app);
    const { storage } = getInstance();
    const timings: number[] = [];
    for (let i = 0; i < 5; i++) {
      await storage.limits.delete(`second-factor:${userId}`);
      await storage.limits.delete(`account:${userId}`);
      const started = performance.now();
      expect((await RecoveryCodes.verifyRecoveryCode(userId, "aaaaa-aaaaa")).status).toBe("INVALID_RECOVERY_CODE_ERROR");
      timings.push(performance.now() - started);
    }
    timings.sort((a, b) => a - b);
    console.log(`[recovery codes] one wrong code against 10 argon2id hashes: median ${timings[2]?.toFixed(1)} ms (min ${timings[0]?.toFixed(1)}, max ${timings[4]?.toFixed(1)})`);
    expect(timings[2]).toBeLessThan(1000);
  });
});

function mfaUser(c: { frontPayload(): Record<string, unknown> | undefined; frontToken: string | undefined }): string {
  return (JSON.parse(Buffer.from(c.frontToken as string, "base64").toString("utf8")) as { uid: string }).uid;
}

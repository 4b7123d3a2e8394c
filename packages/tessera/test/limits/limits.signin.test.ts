/**
 * Lockout and rate limits on the email-and-password endpoints (issue 7), over real HTTP on a
 * fixed clock: security-cases.md SEC-60 (brute force and spraying, untrusted X-Forwarded-For),
 * SEC-50 (a locked account answers as a wrong password), SEC-51 (the reset request is the same
 * for every email, limited or not), and the per-address limits of sign-up, reset-token and
 * email-exists.
 */
import { describe, expect, it } from "vitest";
import { hashPassword } from "../../src/core/crypto/password.js";
import { getInstance } from "../../src/core/instance.js";
import { Client, form, freshEmail, limitsApp, PASSWORD, signIn, signUp, T0_MS, WRONG_CREDENTIALS } from "./helpers.js";

const MINUTE = 60_000;
const xff = (i: number) => ({ "x-forwarded-for": `203.0.113.${i % 250}, 198.51.100.${(i * 7) % 250}` });
const counter = (app: { rows<T>(sql: string, ...p: (string | number)[]): T[] }, key: string) =>
  app.rows<{ failures: number }>("SELECT failures FROM limit_counters WHERE counter_key = ?", key)[0]?.failures;

/** The parts of a reply SEC-50 compares: status, body bytes, header names (minus the per-response ones) and cookies. */
async function shape(c: Client, email: string, password: string) {
  const response = await fetch(`${c.baseUrl}/auth/signin`, {
    method: "POST",
    headers: { "content-type": "application/json", rid: "anti-csrf", "st-auth-mode": "cookie" },
    body: JSON.stringify(form({ email, password })),
  });
  const names = [...response.headers.keys()].filter((h) => h !== "date" && h !== "content-length" && h !== "etag").sort();
  return { status: response.status, body: await response.text(), names, cookies: response.headers.getSetCookie() };
}

describe("SEC-60 (a): brute force on one account behind an untrusted proxy", () => {
  // The address limit is raised here so that what answers is the account lock alone.
  const app = limitsApp({ limits: { address: { signIn: { max: 1000 } } } });

  it("refuses the right password after 100 wrong ones with rotating X-Forwarded-For, until the lock ends", async () => {
    app.clock.set(T0_MS);
    const email = freshEmail("victim");
    const userId = await signUp(app.client(), email);
    const attacker = app.client();
    for (let i = 0; i < 100; i++) expect((await signIn(attacker, email, `guess-${i}`, xff(i))).body).toEqual(WRONG_CREDENTIALS);
    // Counted per normalised account, whatever the header said: 10 counted, the rest refused unchecked.
    expect(counter(app, `account:${userId}`)).toBe(10);
    expect(app.rows("SELECT 1 FROM limit_counters WHERE counter_key LIKE 'address:signIn:%'")).toHaveLength(1);
    // The owner, with the right password, gets the same generic answer during the lock.
    const owner = app.client();
    expect((await signIn(owner, email, PASSWORD, xff(101))).body).toEqual(WRONG_CREDENTIALS);
    expect(owner.cookie("sAccessToken")).toBeUndefined();
    app.clock.set(T0_MS + 15 * MINUTE - 1);
    expect((await signIn(owner, email)).body).toEqual(WRONG_CREDENTIALS);
    app.clock.set(T0_MS + 15 * MINUTE);
    expect((await signIn(owner, email)).body?.status).toBe("OK");
    // The password hash is unchanged and the run is over.
    expect(counter(app, `account:${userId}`)).toBeUndefined();
  });

  it("doubles the lock with each further failure (30 min after the 11th), and counts a burst exactly", async () => {
    app.clock.set(T0_MS + 1000 * MINUTE);
    const start = app.clock.now();
    const email = freshEmail("burst");
    const userId = await signUp(app.client(), email);
    // 30 parallel guesses: the reservation is a compare-and-set, so exactly 10 are checked.
    const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => signIn(app.client(), email, `parallel-${i}`)));
    expect(replies.every((r) => JSON.stringify(r.body) === JSON.stringify(WRONG_CREDENTIALS))).toBe(true);
    expect(counter(app, `account:${userId}`)).toBe(10);
    app.clock.set(start + 15 * MINUTE);
    expect((await signIn(app.client(), email, "eleventh")).body).toEqual(WRONG_CREDENTIALS);
    expect(counter(app, `account:${userId}`)).toBe(11);
    app.clock.set(start + 45 * MINUTE - 1);
    expect((await signIn(app.client(), email)).body).toEqual(WRONG_CREDENTIALS);
    app.clock.set(start + 45 * MINUTE);
    expect((await signIn(app.client(), email)).body?.status).toBe("OK");
  });
});

describe("SEC-60 (a) with the default limits", () => {
  const app = limitsApp();

  it("trips the address limit at 100 failures even when X-Forwarded-For rotates (it is not trusted)", async () => {
    app.clock.set(T0_MS);
    const email = freshEmail("default");
    await signUp(app.client(), email);
    const attacker = app.client();
    for (let i = 0; i < 100; i++) expect((await signIn(attacker, email, `guess-${i}`, xff(i))).status).toBe(200);
    const refused = await signIn(attacker, email, PASSWORD, xff(100));
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("900");
    expect(refused.body).toEqual({ message: "Too many requests: try again later" });
    expect(refused.headers.getSetCookie()).toEqual([]);
  });
});

describe("SEC-60 (b): one wrong password for each of 1,000 accounts from one address", () => {
  const app = limitsApp({ limits: { address: { signIn: { max: 50, windowSeconds: 900, lockSeconds: 900 } } } });

  it("trips the address limit, leaves every account unlocked, and lets the accounts in once the lock ends", async () => {
    app.clock.set(T0_MS);
    // The accounts are written through the store (one hash for all): 1,000 argon2 sign-ups would only slow the test.
    const hash = await hashPassword(PASSWORD);
    const emails = Array.from({ length: 1000 }, (_, i) => `spray-${i}@example.com`);
    const { storage } = getInstance();
    for (const [i, email] of emails.entries()) await storage.emailPassword.createUser({ userId: `spray-user-${i}`, tenantId: "public", email, passwordHash: hash, timeJoined: T0_MS });
    const statuses: number[] = [];
    for (let i = 0; i < emails.length; i += 25) {
      const batch = emails.slice(i, i + 25).map((email, j) => signIn(app.client(), email, "Summer2024!", xff(i + j)));
      for (const reply of await Promise.all(batch)) statuses.push(reply.status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(50);
    expect(statuses.filter((s) => s === 429)).toHaveLength(950);
    // One failure per account at most: no account is locked by the spray.
    const counted = app.rows<{ failures: number }>("SELECT failures FROM limit_counters WHERE counter_key LIKE 'account:%'");
    expect(counted).toHaveLength(50);
    expect(counted.every((c) => c.failures === 1)).toBe(true);
    app.clock.set(T0_MS + 15 * MINUTE);
    expect((await signIn(app.client(), emails[999] as string)).body?.status).toBe("OK");
    expect((await signIn(app.client(), emails[0] as string)).body?.status).toBe("OK");
  });
});

describe("SEC-60 (c) and SEC-50: resets and identical answers", () => {
  const app = limitsApp();

  it("resets the account's count on a successful sign-in", async () => {
    app.clock.set(T0_MS);
    const email = freshEmail("reset");
    const userId = await signUp(app.client(), email);
    for (let i = 0; i < 3; i++) await signIn(app.client(), email, `wrong-${i}`);
    expect(counter(app, `account:${userId}`)).toBe(3);
    expect((await signIn(app.client(), email)).body?.status).toBe("OK");
    expect(counter(app, `account:${userId}`)).toBeUndefined();
    // Nine more failures: with the earlier three they would have locked the account (10).
    for (let i = 0; i < 9; i++) await signIn(app.client(), email, `again-${i}`);
    expect(counter(app, `account:${userId}`)).toBe(9);
    expect((await signIn(app.client(), email)).body?.status).toBe("OK");
  });

  it("answers a locked account with the right password exactly as a wrong password and an unknown email", async () => {
    app.clock.set(T0_MS + 100 * MINUTE);
    const email = freshEmail("locked");
    await signUp(app.client(), email);
    const c = app.client();
    const wrong = await shape(c, email, "not-the-password");
    const unknown = await shape(c, freshEmail("nobody"), "not-the-password");
    for (let i = 0; i < 9; i++) await signIn(c, email, `wrong-${i}`);
    const locked = await shape(c, email, PASSWORD);
    for (const other of [unknown, locked]) {
      expect(other.status).toBe(wrong.status);
      expect(other.body).toBe(wrong.body);
      expect(other.names).toEqual(wrong.names);
      expect(other.cookies).toEqual([]);
    }
    expect(wrong.body).toBe(JSON.stringify(WRONG_CREDENTIALS));
  });

  it("keeps no counter for an unknown email (there is no account to lock)", async () => {
    app.clock.set(T0_MS + 200 * MINUTE);
    for (let i = 0; i < 12; i++) await signIn(app.client(), "ghost@example.com", `wrong-${i}`);
    expect(app.rows("SELECT counter_key FROM limit_counters WHERE counter_key LIKE 'account:%ghost%'")).toEqual([]);
  });
});

describe("NIST 800-63B §5.2.2: at most 100 consecutive failures", () => {
  const app = limitsApp({ limits: { account: { maxFailures: 2, lockSeconds: 1, maxLockSeconds: 1, maxConsecutiveFailures: 5 } } });

  it("locks for good at maxConsecutiveFailures, until a password reset lifts it", async () => {
    app.clock.set(T0_MS);
    const email = freshEmail("hard");
    const userId = await signUp(app.client(), email);
    for (let i = 0; i < 5; i++) {
      expect((await signIn(app.client(), email, `wrong-${i}`)).body).toEqual(WRONG_CREDENTIALS);
      app.clock.advance(2000);
    }
    expect(counter(app, `account:${userId}`)).toBe(5);
    app.clock.advance(365 * 24 * 60 * MINUTE);
    expect((await signIn(app.client(), email)).body).toEqual(WRONG_CREDENTIALS);
    // The emailed link proves the owner; the new password starts a new run.
    const c = app.client();
    expect((await c.request("POST", "/auth/user/password/reset/token", { body: form({ email }) })).body).toEqual({ status: "OK" });
    await new Promise((resolve) => setImmediate(resolve));
    await expect.poll(() => app.mails.length).toBeGreaterThan(0);
    const token = new URL(app.mails.at(-1) as string).searchParams.get("token") as string;
    const newPassword = "a brand new passphrase";
    expect((await c.request("POST", "/auth/user/password/reset", { body: { token, ...form({ password: newPassword }) } })).body).toEqual({ status: "OK" });
    expect(counter(app, `account:${userId}`)).toBeUndefined();
    expect((await signIn(app.client(), email, newPassword)).body?.status).toBe("OK");
  });
});

describe("per-address limits of sign-up, reset-token and email-exists", () => {
  const limits = { max: 3, windowSeconds: 600, lockSeconds: 600 };
  const app = limitsApp({ limits: { address: { signUp: limits, passwordResetToken: limits, emailExists: limits } } });

  it("answers the fourth sign-up from an address in the window with 429 and Retry-After, then lets it through after the lock", async () => {
    app.clock.set(T0_MS);
    for (let i = 0; i < 3; i++) await signUp(app.client(), freshEmail("signup"));
    const refused = await app.client().request("POST", "/auth/signup", { body: form({ email: freshEmail("signup"), password: PASSWORD }) });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("600");
    expect(app.rows("SELECT 1 FROM emailpassword_users")).toHaveLength(3);
    app.clock.advance(600_000);
    await signUp(app.client(), freshEmail("signup"));
  });

  it("refuses reset-token requests past the limit with the same answer for a known and an unknown email (SEC-51)", async () => {
    app.clock.set(T0_MS + 100 * MINUTE);
    const known = freshEmail("known");
    await signUp(app.client(), known);
    const request = (email: string) => app.client().request("POST", "/auth/user/password/reset/token", { body: form({ email }) });
    for (const email of [known, "nobody@example.com", known]) expect((await request(email)).body).toEqual({ status: "OK" });
    const [a, b] = [await request(known), await request("nobody@example.com")];
    expect([a.status, b.status]).toEqual([429, 429]);
    expect(JSON.stringify(a.body)).toBe(JSON.stringify(b.body));
    expect(a.headers.get("retry-after")).toBe(b.headers.get("retry-after"));
  });

  it("limits email-exists checks per address", async () => {
    app.clock.set(T0_MS + 200 * MINUTE);
    const check = () => app.client().request("GET", `/auth/emailpassword/email/exists?email=${encodeURIComponent(freshEmail("probe"))}`);
    for (let i = 0; i < 3; i++) expect((await check()).body).toEqual({ status: "OK", exists: false });
    expect((await check()).status).toBe(429);
  });
});

describe("trustProxy", () => {
  const app = limitsApp({ limits: { trustProxy: 1, address: { signIn: { max: 3 } } } });

  it("counts the address the trusted proxy saw, not the socket and not what the client wrote before it", async () => {
    app.clock.set(T0_MS);
    const email = freshEmail("proxied");
    await signUp(app.client(), email);
    // The client forged "1.1.1.1"; the proxy appended the address it saw (203.0.113.9).
    const viaProxy = { "x-forwarded-for": "1.1.1.1, 203.0.113.9" };
    for (let i = 0; i < 3; i++) expect((await signIn(app.client(), email, `wrong-${i}`, viaProxy)).status).toBe(200);
    expect((await signIn(app.client(), email, "wrong", { "x-forwarded-for": "9.9.9.9, 203.0.113.9" })).status).toBe(429);
    // Another client behind the same proxy is not affected.
    expect((await signIn(app.client(), email, PASSWORD, { "x-forwarded-for": "203.0.113.10" })).body?.status).toBe("OK");
    // Only the proxied client's failures counted; the other's success gave its reservation back.
    const counted = app.rows<{ counter_key: string; failures: number }>("SELECT counter_key, failures FROM limit_counters WHERE counter_key LIKE 'address:signIn:%' ORDER BY counter_key");
    expect(counted).toEqual([
      { counter_key: "address:signIn:203.0.113.10", failures: 0 },
      { counter_key: "address:signIn:203.0.113.9", failures: 3 },
    ]);
  });
});

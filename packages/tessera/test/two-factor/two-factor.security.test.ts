/**
 * Categories G (2FA and claims: SEC-30, 32, 34, 35, 36) and L (user enumeration: SEC-50, 51) of
 * the security reference, against an app configured like the demo (TOTP required for everyone,
 * the seed's `2fa-completed` claim set when TOTP completes). U1 is a user with a verified TOTP
 * device; U2 a user who has not enrolled yet.
 */
import { describe, expect, it } from "vitest";
import EmailPassword from "../../src/recipe/emailpassword/index.js";
import Session from "../../src/recipe/session/index.js";
import { Client } from "../helpers/app.js";
import {
  codeFor,
  completeTotp,
  decodeJwt,
  enrol,
  enrolledUser,
  form,
  freshEmail,
  LIKE_COMMENT_403,
  MFA_NOT_SATISFIED,
  mfaOf,
  PASSWORD,
  REMOVE_NOT_ALLOWED_403,
  SETUP_NOT_ALLOWED_403,
  signIn,
  signUp,
  T0_MS,
  TWO_FA_FALSE,
  twoFactorApp,
  verifiedDevices,
} from "./helpers.js";

const app = twoFactorApp();

const CLAIM_403 = { message: "invalid claim", claimValidationErrors: [TWO_FA_FALSE] };
const TRY_REFRESH = { message: "try refresh token" };

interface Raw {
  status: number;
  text: string;
  body: unknown;
  headers: Headers;
  headerNames: string[];
  setCookies: string[];
}

/** One request exactly as given: no jar, no default headers. */
async function raw(method: string, path: string, init: { headers?: Record<string, string>; body?: unknown } = {}): Promise<Raw> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(app.url + path, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await response.text();
  let body: unknown;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, text, body, headers: response.headers, headerNames: [...response.headers.keys()].sort(), setCookies: response.headers.getSetCookie() };
}

/** Replaces a JWT's payload, keeping its header and signature as they were. */
function withPayload(token: string, change: (payload: Record<string, unknown>) => Record<string, unknown>): string {
  const [header, , signature] = token.split(".");
  const payload = change(decodeJwt(token));
  return `${header}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${signature}`;
}

const asCookie = (token: string) => ({ cookie: `sAccessToken=${encodeURIComponent(token)}`, rid: "anti-csrf" });
const asBearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("SEC-30 a protected API right after the first factor", () => {
  it.each(["cookie", "header"] as const)("U1's password-only session gets CLAIM_403 (2fa-completed) on /t/2fa, and the handler does not run (%s mode)", async (mode) => {
    app.clock.set(T0_MS);
    const u1 = await enrolledUser(app);
    const c = new Client(app.url, mode);
    await signIn(c, u1.email);
    const before = app.hits["t/2fa"];
    const reply = await c.request("GET", "/t/2fa");
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual(CLAIM_403);
    expect(app.hits["t/2fa"]).toBe(before);
  });

  it.each(["cookie", "header"] as const)("U1's password-only session gets 403 st-mfa on a route guarded by the global validators, counter unchanged (%s mode)", async (mode) => {
    const u1 = await enrolledUser(app);
    const c = new Client(app.url, mode);
    await signIn(c, u1.email);
    const before = app.hits["t/write"];
    const reply = await c.request("POST", "/t/write");
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual({ message: "invalid claim", claimValidationErrors: [MFA_NOT_SATISFIED] });
    expect(app.hits["t/write"]).toBe(before);
  });

  it("U1's password-only session gets 403 on /like-comment, counter unchanged, and the same session passes once TOTP is done", async () => {
    const u1 = await enrolledUser(app);
    const c = new Client(app.url, "cookie");
    await signIn(c, u1.email);
    const before = app.hits["like-comment"]!;
    const refused = await c.request("POST", "/like-comment");
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual(LIKE_COMMENT_403);
    expect(app.hits["like-comment"]).toBe(before);
    await completeTotp(app, c, u1.secret);
    expect((await c.request("POST", "/like-comment")).status).toBe(200);
    expect(app.hits["like-comment"]).toBe(before + 1);
  });
});

describe("SEC-32 downgrade by a missing or removed claim", () => {
  it("(a) a session created before enrolling (no 2fa-completed key) stays refused after another session of the user enrols", async () => {
    const email = freshEmail("u2");
    const before = new Client(app.url, "cookie");
    const { userId } = await signUp(before, email);
    expect(before.frontPayload()).not.toHaveProperty("2fa-completed");
    const other = new Client(app.url, "cookie");
    await signIn(other, email);
    await enrol(app, other);
    expect(await verifiedDevices(userId)).toHaveLength(1);
    const t2fa = await before.request("GET", "/t/2fa");
    expect(t2fa.status).toBe(403);
    expect(t2fa.body).toEqual(CLAIM_403);
    expect((await before.request("POST", "/like-comment")).body).toEqual(LIKE_COMMENT_403);
  });

  it("(a) refreshing or re-syncing that older session does not grant the factor it never completed", async () => {
    const email = freshEmail("u2-sync");
    const before = new Client(app.url, "cookie");
    await signUp(before, email);
    const other = new Client(app.url, "cookie");
    await signIn(other, email);
    await enrol(app, other);
    expect((await before.refresh()).status).toBe(200);
    expect((await before.request("GET", "/t/2fa")).status).toBe(403);
    const info = await before.request("PUT", "/auth/mfa/info");
    expect(info.status).toBe(200);
    expect(mfaOf(before.frontPayload())?.v).toBe(false);
    expect((await before.request("POST", "/like-comment")).body).toEqual(LIKE_COMMENT_403);
  });

  it.each(["cookie", "bearer"] as const)("(b) a completed session's token with 2fa-completed stripped (signature unchanged) gets TRY_REFRESH (%s)", async (how) => {
    const { client } = await enrolledUser(app, how === "bearer" ? "header" : "cookie");
    const token = how === "bearer" ? (client as { accessToken?: string }).accessToken! : (client as Client).cookie("sAccessToken")!;
    expect((await raw("GET", "/t/2fa", { headers: how === "bearer" ? asBearer(token) : asCookie(token) })).status).toBe(200);
    const stripped = withPayload(token, (p) => {
      const copy = { ...p };
      delete copy["2fa-completed"];
      return copy;
    });
    const reply = await raw("GET", "/t/2fa", { headers: how === "bearer" ? asBearer(stripped) : asCookie(stripped) });
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual(TRY_REFRESH);
  });

  it.each(["cookie", "bearer"] as const)("(b) a first-factor token edited to st-mfa.v true and 2fa-completed true gets TRY_REFRESH (%s)", async (how) => {
    const u1 = await enrolledUser(app);
    const c = new Client(app.url, how === "bearer" ? "header" : "cookie");
    await signIn(c, u1.email);
    const token = how === "bearer" ? c.accessToken! : c.cookie("sAccessToken")!;
    const forged = withPayload(token, (p) => ({ ...p, "st-mfa": { c: { emailpassword: 1, totp: 1 }, v: true }, "2fa-completed": { v: true, t: app.clock.now() } }));
    const before = app.hits["like-comment"];
    const reply = await raw("POST", "/like-comment", { headers: how === "bearer" ? asBearer(forged) : asCookie(forged) });
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual(TRY_REFRESH);
    expect(app.hits["like-comment"]).toBe(before);
  });
});

describe("SEC-34 removing factors or changing credentials without 2FA", () => {
  it("a first-factor-only session cannot remove U1's TOTP device: 403, device unchanged", async () => {
    const u1 = await enrolledUser(app);
    const c = new Client(app.url, "cookie");
    await signIn(c, u1.email);
    const reply = await c.request("POST", "/auth/totp/device/remove", { body: { deviceName: u1.deviceName } });
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual(REMOVE_NOT_ALLOWED_403);
    expect(await verifiedDevices(u1.userId)).toEqual([u1.deviceName]);
  });

  it("a first-factor-only session cannot add a TOTP device of its own: 403, devices unchanged", async () => {
    const u1 = await enrolledUser(app);
    const c = new Client(app.url, "cookie");
    await signIn(c, u1.email);
    const reply = await c.request("POST", "/auth/totp/device", { body: { deviceName: "attacker" } });
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual(SETUP_NOT_ALLOWED_403);
    expect((await c.request("GET", "/auth/totp/device/list")).body?.devices).toEqual([{ name: u1.deviceName, period: 30, skew: 1, verified: true }]);
  });

  it("the app route documented for updateEmailOrPassword refuses a password change from a first-factor-only session (403), and the old password still works", async () => {
    const u1 = await enrolledUser(app);
    const c = new Client(app.url, "cookie");
    await signIn(c, u1.email);
    const before = app.hits["account/password"];
    const reply = await c.request("POST", "/account/password", { body: { currentPassword: PASSWORD, newPassword: "a brand new passphrase" } });
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual({ message: "invalid claim", claimValidationErrors: [MFA_NOT_SATISFIED] });
    expect(app.hits["account/password"]).toBe(before);
    expect((await EmailPassword.signIn("public", u1.email, PASSWORD)).status).toBe("OK");
    expect((await EmailPassword.signIn("public", u1.email, "a brand new passphrase")).status).toBe("WRONG_CREDENTIALS_ERROR");
  });

  it("the same route refuses an email change from a first-factor-only session (403), and the email is unchanged", async () => {
    const u1 = await enrolledUser(app);
    const c = new Client(app.url, "cookie");
    await signIn(c, u1.email);
    const newEmail = freshEmail("hijack");
    const reply = await c.request("POST", "/account/email", { body: { currentPassword: PASSWORD, newEmail } });
    expect(reply.status).toBe(403);
    expect((await EmailPassword.getUserById(u1.userId))?.emails).toEqual([u1.email]);
    expect(await EmailPassword.getUserByEmail("public", newEmail)).toBeUndefined();
  });

  it("the same route lets the session change the password once TOTP is complete (the pattern is not just always refusing)", async () => {
    const u1 = await enrolledUser(app);
    const c = new Client(app.url, "cookie");
    await signIn(c, u1.email);
    await completeTotp(app, c, u1.secret);
    const reply = await c.request("POST", "/account/password", { body: { currentPassword: PASSWORD, newPassword: "a brand new passphrase" } });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: "OK" });
    expect((await EmailPassword.signIn("public", u1.email, PASSWORD)).status).toBe("WRONG_CREDENTIALS_ERROR");
    expect((await EmailPassword.signIn("public", u1.email, "a brand new passphrase")).status).toBe("OK");
  });

  it("the password-reset flow creates no session: no token header, no session cookie, and the user's sessions are revoked", async () => {
    const u1 = await enrolledUser(app);
    const mail = app.nextMail();
    expect((await raw("POST", "/auth/user/password/reset/token", { body: form({ email: u1.email }) })).body).toEqual({ status: "OK" });
    const token = new URL((await mail).passwordResetLink).searchParams.get("token")!;
    const reply = await raw("POST", "/auth/user/password/reset", { headers: { "st-auth-mode": "cookie" }, body: { method: "token", token, ...form({ password: "reset passphrase 1" }) } });
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('{"status":"OK"}');
    expect(reply.setCookies.filter((c) => /^(sAccessToken|sRefreshToken)=[^;]/.test(c))).toEqual([]);
    expect(reply.headers.get("st-access-token")).toBeFalsy();
    expect(reply.headers.get("st-refresh-token")).toBeFalsy();
    expect([null, "remove"]).toContain(reply.headers.get("front-token"));
    expect(await Session.getAllSessionHandlesForUser(u1.userId)).toEqual([]);
  });
});

describe("SEC-35 a password reset does not bypass MFA", () => {
  let u1: Awaited<ReturnType<typeof enrolledUser>>;
  const NEW_PASSWORD = "after the reset 42";

  it("the reset answers 200 OK, keeps U1's TOTP device, and the completed pre-reset session can no longer refresh", async () => {
    u1 = await enrolledUser(app);
    const mail = app.nextMail();
    await raw("POST", "/auth/user/password/reset/token", { body: form({ email: u1.email }) });
    const token = new URL((await mail).passwordResetLink).searchParams.get("token")!;
    const reply = await raw("POST", "/auth/user/password/reset", { body: { method: "token", token, ...form({ password: NEW_PASSWORD }) } });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: "OK" });
    expect(await verifiedDevices(u1.userId)).toEqual([u1.deviceName]);
    const refreshed = await u1.client.refresh();
    expect(refreshed.status).toBe(401);
    expect(refreshed.body).toEqual({ message: "unauthorised" });
  });

  it("signing in with the new password still asks for TOTP: st-mfa v false, no 2fa-completed, CLAIM_403 on /t/2fa", async () => {
    const c = new Client(app.url, "cookie");
    await signIn(c, u1.email, NEW_PASSWORD);
    expect(mfaOf(c.frontPayload())?.v).toBe(false);
    expect(c.frontPayload()).not.toHaveProperty("2fa-completed");
    const reply = await c.request("GET", "/t/2fa");
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual(CLAIM_403);
    await completeTotp(app, c, u1.secret);
    expect((await c.request("GET", "/t/2fa")).status).toBe(200);
  });

  it("the old password no longer signs in", async () => {
    const reply = await raw("POST", "/auth/signin", { body: form({ email: u1.email, password: PASSWORD }) });
    expect(reply.text).toBe('{"status":"WRONG_CREDENTIALS_ERROR"}');
  });
});

describe("SEC-36 no token from a 2FA-required sign-in carries the second factor", () => {
  const MODES = { cookie: { "st-auth-mode": "cookie", rid: "anti-csrf" }, header: { "st-auth-mode": "header" }, "no st-auth-mode": {} } as const;

  /** Every token-like value of a response: each Set-Cookie value (every line, duplicates kept) and each token header. */
  function tokensOf(reply: Raw): { where: string; value: string }[] {
    const found: { where: string; value: string }[] = [];
    for (const line of reply.setCookies) {
      const pair = line.split(";")[0] ?? "";
      const value = decodeURIComponent(pair.slice(pair.indexOf("=") + 1));
      if (value !== "") found.push({ where: `Set-Cookie ${pair.slice(0, pair.indexOf("="))}`, value });
    }
    for (const name of ["st-access-token", "st-refresh-token", "front-token", "anti-csrf"]) {
      const value = reply.headers.get(name);
      if (value) found.push({ where: name, value });
    }
    return found;
  }

  /** Every JSON payload a token decodes to: a JWT's payload, or a front-token's `up`. Opaque tokens decode to nothing. */
  function decodeAll(value: string): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    const parts = value.split(".");
    if (parts.length === 3) {
      try {
        out.push(decodeJwt(value));
      } catch {
        /* not a JWT */
      }
    }
    try {
      const decoded = JSON.parse(Buffer.from(value, "base64").toString("utf8")) as { up?: Record<string, unknown> };
      if (decoded && typeof decoded === "object") out.push(decoded.up ?? (decoded as Record<string, unknown>));
    } catch {
      /* not base64 JSON */
    }
    return out;
  }

  it.each(Object.keys(MODES) as (keyof typeof MODES)[])("sign-in with the correct password (%s): no token carries 2fa-completed or st-mfa v true; every replay gets 401/403; the device remains", async (mode) => {
    const u1 = await enrolledUser(app);
    const reply = await raw("POST", "/auth/signin", { headers: { ...MODES[mode] }, body: form({ email: u1.email, password: PASSWORD }) });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body as object).sort()).toEqual(["status", "user"]);
    const tokens = tokensOf(reply);
    expect(tokens.map((t) => t.where)).toEqual(expect.arrayContaining(["front-token"]));
    let payloads = 0;
    for (const { where, value } of tokens) {
      expect(reply.text, `the body carries no ${where}`).not.toContain(value);
      for (const payload of decodeAll(value)) {
        payloads++;
        expect((payload["2fa-completed"] as { v?: unknown } | undefined)?.v, where).not.toBe(true);
        expect((payload["st-mfa"] as { v?: unknown } | undefined)?.v, where).not.toBe(true);
      }
    }
    expect(payloads, "the access token and the front-token were decoded").toBeGreaterThanOrEqual(2);

    const hits = { ...app.hits };
    for (const { where, value } of tokens) {
      for (const headers of [asCookie(value), asBearer(value)]) {
        const how = "cookie" in headers ? "as cookie" : "as bearer";
        const like = await raw("POST", "/like-comment", { headers });
        expect([401, 403], `${where} ${how} on /like-comment`).toContain(like.status);
        const t2fa = await raw("GET", "/t/2fa", { headers });
        expect([401, 403], `${where} ${how} on /t/2fa`).toContain(t2fa.status);
        const remove = await raw("POST", "/auth/totp/device/remove", { headers, body: { deviceName: u1.deviceName } });
        expect([401, 403], `${where} ${how} on /auth/totp/device/remove`).toContain(remove.status);
      }
    }
    expect(app.hits["like-comment"]).toBe(hits["like-comment"]);
    expect(app.hits["t/2fa"]).toBe(hits["t/2fa"]);
    expect(await verifiedDevices(u1.userId)).toEqual([u1.deviceName]);
  });
});

describe("SEC-50 sign-in failures are identical whether or not the account exists or has 2FA", () => {
  it.each([
    ["cookie", { "st-auth-mode": "cookie", rid: "emailpassword" }],
    ["no st-auth-mode", {}],
  ] as const)("unknown email, wrong password (no 2FA), wrong password (2FA), wrong password (TOTP-locked): same status, body bytes, header names, no Set-Cookie (%s)", async (_label, headers) => {
    const noMfa = freshEmail("u2");
    await signUp(new Client(app.url, "cookie"), noMfa);
    const u1 = await enrolledUser(app);
    const locked = await enrolledUser(app);
    const c = new Client(app.url, "cookie");
    await signIn(c, locked.email);
    for (let i = 0; i < 5; i++) await c.request("POST", "/auth/totp/verify", { body: { totp: codeFor(locked.secret, app.clock.now() + 3_600_000) } });
    expect((await c.request("POST", "/auth/totp/verify", { body: { totp: codeFor(locked.secret, app.clock.now()) } })).body?.status).toBe("LIMIT_REACHED_ERROR");

    const attempt = (email: string) => raw("POST", "/auth/signin", { headers: { ...headers }, body: form({ email, password: "not the password 1" }) });
    const results = [await attempt(freshEmail("nobody")), await attempt(noMfa), await attempt(u1.email), await attempt(locked.email)];
    const shape = (r: Raw) => ({ status: r.status, text: r.text, headerNames: r.headerNames, setCookies: r.setCookies });
    for (const r of results.slice(1)) expect(shape(r)).toEqual(shape(results[0]!));
    expect(results[0]!.status).toBe(200);
    expect(results[0]!.text).toBe('{"status":"WRONG_CREDENTIALS_ERROR"}');
    expect(results[0]!.setCookies).toEqual([]);
    expect(results[0]!.headers.get("front-token")).toBeNull();
    expect(results[0]!.headers.get("st-access-token")).toBeNull();
  });
});

describe("SEC-51 a reset-token request is identical for known and unknown emails", () => {
  it("answers U1's email and an unknown email with the same status, body bytes and header names", async () => {
    const u1 = await enrolledUser(app);
    const mail = app.nextMail();
    const known = await raw("POST", "/auth/user/password/reset/token", { body: form({ email: u1.email }) });
    const unknown = await raw("POST", "/auth/user/password/reset/token", { body: form({ email: freshEmail("nobody") }) });
    expect({ status: known.status, text: known.text, headerNames: known.headerNames, setCookies: known.setCookies }).toEqual({
      status: unknown.status,
      text: unknown.text,
      headerNames: unknown.headerNames,
      setCookies: unknown.setCookies,
    });
    expect(known.text).toBe('{"status":"OK"}');
    await mail;
  });

  it("calls the mailer only for the known email", async () => {
    const u1 = await enrolledUser(app);
    const start = app.mails.length;
    await raw("POST", "/auth/user/password/reset/token", { body: form({ email: freshEmail("nobody") }) });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(app.mails.length).toBe(start);
    const mail = app.nextMail();
    await raw("POST", "/auth/user/password/reset/token", { body: form({ email: u1.email }) });
    const sent = await mail;
    expect(sent.user).toEqual({ id: u1.userId, email: u1.email });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(app.mails.length).toBe(start + 1);
  });
});

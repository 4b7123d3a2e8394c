/**
 * The emailpassword cases of the security reference: SEC-50 and SEC-51 (enumeration), SEC-56
 * (password length, truncation, composition), SEC-58 (Unicode forms), SEC-59 (injection).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { fields, PASSWORD, signUp, startEmailPasswordApp, type EmailPasswordTestApp } from "./helpers.js";

let app: EmailPasswordTestApp;
afterEach(async () => {
  vi.restoreAllMocks();
  await app?.close();
});

interface RawResponse {
  status: number;
  body: string;
  headerNames: string[];
  setCookies: string[];
}

async function rawRequest(path: string, body: unknown): Promise<RawResponse> {
  const response = await fetch(app.url + path, { method: "POST", headers: { "content-type": "application/json", rid: "emailpassword" }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.text(), headerNames: [...response.headers.keys()].sort(), setCookies: response.headers.getSetCookie() };
}

async function counts() {
  return { users: await app.count("emailpassword_users"), tokens: await app.count("emailpassword_reset_tokens"), sessions: await app.count("sessions") };
}

describe("SEC-50 sign-in responses do not reveal whether an account exists", () => {
  it("answers an unknown email and a wrong password with the same status, body bytes and header names, and no cookie", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "bob@example.com");
    const unknown = await rawRequest("/auth/signin", fields({ email: "nobody@example.com", password: PASSWORD }));
    const wrong = await rawRequest("/auth/signin", fields({ email: "bob@example.com", password: "not bob's password" }));
    expect(unknown).toEqual(wrong);
    expect(unknown.status).toBe(200);
    expect(unknown.body).toBe('{"status":"WRONG_CREDENTIALS_ERROR"}');
    expect(unknown.setCookies).toEqual([]);
  });
});

describe("SEC-51 reset requests do not reveal whether an account exists", () => {
  it("answers a known and an unknown email with the same status, body bytes and header names", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "bob@example.com");
    const mail = app.nextMail();
    const known = await rawRequest("/auth/user/password/reset/token", fields({ email: "bob@example.com" }));
    const unknown = await rawRequest("/auth/user/password/reset/token", fields({ email: "nobody@example.com" }));
    expect(known).toEqual(unknown);
    expect(known.body).toBe('{"status":"OK"}');
    await mail;
  });

  it("calls the mailer and stores a token only for the known email", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "bob@example.com");
    await rawRequest("/auth/user/password/reset/token", fields({ email: "nobody@example.com" }));
    const mail = app.nextMail();
    await rawRequest("/auth/user/password/reset/token", fields({ email: "bob@example.com" }));
    await mail;
    // Deliveries run in request order, so the unknown email's would have come first.
    expect(app.mails.map((m) => m.user.email)).toEqual(["bob@example.com"]);
    expect(await app.count("emailpassword_reset_tokens")).toBe(1);
  });

  it("answers before the delivery finishes", async () => {
    let release!: () => void;
    app = await startEmailPasswordApp({ sendEmail: () => new Promise<void>((resolve) => (release = resolve)) });
    await signUp(app, "bob@example.com");
    const mail = app.nextMail();
    const response = await rawRequest("/auth/user/password/reset/token", fields({ email: "bob@example.com" }));
    expect(response.body).toBe('{"status":"OK"}');
    await mail;
    release();
  });

  it("still answers OK when the delivery fails, and logs the failure without the link", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    app = await startEmailPasswordApp({ sendEmail: () => Promise.reject(new Error("SMTP down")) });
    await signUp(app, "bob@example.com");
    const mail = app.nextMail();
    expect((await rawRequest("/auth/user/password/reset/token", fields({ email: "bob@example.com" }))).body).toBe('{"status":"OK"}');
    const sent = await mail;
    await vi.waitFor(() => expect(logged).toHaveBeenCalled());
    const output = logged.mock.calls.flat().join(" ");
    expect(output).toContain("SMTP down");
    expect(output).not.toContain(new URL(sent.passwordResetLink).searchParams.get("token"));
  });
});

describe("SEC-56 password length, truncation and composition", () => {
  const signUpWith = (email: string, password: string) => app.client().request("POST", "/auth/signup", { body: fields({ email, password }) });
  const signInWith = (email: string, password: string) => app.client().request("POST", "/auth/signin", { body: fields({ email, password }) });

  it("(a) does not sign in with a password that differs only after 72 bytes", async () => {
    app = await startEmailPasswordApp();
    expect((await signUpWith("u@example.com", `${"a".repeat(72)}X`)).body?.status).toBe("OK");
    expect((await signInWith("u@example.com", `${"a".repeat(72)}Y`)).body).toEqual({ status: "WRONG_CREDENTIALS_ERROR" });
    expect((await signInWith("u@example.com", `${"a".repeat(72)}X`)).body?.status).toBe("OK");
  });

  it.each([64, 128, 1024])("(b) accepts a %i-character password and signs in with it", async (length) => {
    app = await startEmailPasswordApp();
    const password = "xyz0".repeat(length / 4);
    expect((await signUpWith("u@example.com", password)).body?.status).toBe("OK");
    expect((await signInWith("u@example.com", password)).body?.status).toBe("OK");
  });

  it("(b) refuses a password over 1024 characters with FIELD_ERROR, not 400", async () => {
    app = await startEmailPasswordApp();
    const response = await signUpWith("u@example.com", "x".repeat(1025));
    expect(response.body).toEqual({ status: "FIELD_ERROR", formFields: [{ id: "password", error: "Password must be at most 1024 characters long" }] });
  });

  it("(c) accepts a password with no digit, upper case or symbol", async () => {
    app = await startEmailPasswordApp();
    expect((await signUpWith("u@example.com", "correct horse battery staple")).body?.status).toBe("OK");
  });

  it("(d) refuses a 7-character password with FIELD_ERROR", async () => {
    app = await startEmailPasswordApp();
    expect((await signUpWith("u@example.com", "abcdefg")).body).toEqual({ status: "FIELD_ERROR", formFields: [{ id: "password", error: "Password must be at least 8 characters long" }] });
  });

  it.each(["password1234", "12345678", "qwertyuiop", "password", "iloveyou1"])("(e) refuses the common password %s with FIELD_ERROR", async (password) => {
    app = await startEmailPasswordApp();
    expect((await signUpWith("u@example.com", password)).body).toEqual({
      status: "FIELD_ERROR",
      formFields: [{ id: "password", error: "This password is too common: choose one that is harder to guess" }],
    });
    expect(await app.count("emailpassword_users")).toBe(0);
  });

  it("(f) keeps leading and trailing spaces: only the exact password signs in", async () => {
    app = await startEmailPasswordApp();
    expect((await signUpWith("u@example.com", "  leading and trailing  ")).body?.status).toBe("OK");
    expect((await signInWith("u@example.com", "leading and trailing")).body).toEqual({ status: "WRONG_CREDENTIALS_ERROR" });
    expect((await signInWith("u@example.com", "  leading and trailing")).body).toEqual({ status: "WRONG_CREDENTIALS_ERROR" });
    expect((await signInWith("u@example.com", "  leading and trailing  ")).body?.status).toBe("OK");
  });

  it("stores one argon2id hash per sign-up and never the password", async () => {
    app = await startEmailPasswordApp();
    await signUpWith("u@example.com", PASSWORD);
    const rows = await app.driver.all<{ password_hash: string }>("SELECT password_hash FROM emailpassword_users");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(rows[0]!.password_hash).not.toContain(PASSWORD);
  });
});

describe("SEC-58 Unicode forms of emails and passwords", () => {
  const NFD = "jose\u0301@example.com";
  const NFC = "jos\u00e9@example.com";

  it("treats the NFD and NFC spellings of an email as one user, stored in NFC", async () => {
    app = await startEmailPasswordApp();
    expect((await app.client().request("POST", "/auth/signup", { body: fields({ email: NFD, password: PASSWORD }) })).body?.status).toBe("OK");
    const second = await app.client().request("POST", "/auth/signup", { body: fields({ email: NFC, password: PASSWORD }) });
    expect(second.body).toEqual({ status: "FIELD_ERROR", formFields: [{ id: "email", error: "This email already exists. Please sign in instead." }] });
    for (const email of [NFD, NFC]) {
      expect((await app.client().request("POST", "/auth/signin", { body: fields({ email, password: PASSWORD }) })).body?.status).toBe("OK");
    }
    expect(await app.driver.all("SELECT email FROM emailpassword_users")).toEqual([{ email: NFC }]);
  });

  it("verifies a password set in NFD when it is typed in NFC", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "u@example.com", "pa\u0308ssword-long-enough");
    const response = await app.client().request("POST", "/auth/signin", { body: fields({ email: "u@example.com", password: "p\u00e4ssword-long-enough" }) });
    expect(response.body?.status).toBe("OK");
  });

  it("treats ASCII case and surrounding spaces in an email as the same user", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "Alice@Example.COM");
    const response = await app.client().request("POST", "/auth/signin", { body: fields({ email: "  alice@example.com ", password: PASSWORD }) });
    expect(response.body?.status).toBe("OK");
    expect(await app.driver.all("SELECT email FROM emailpassword_users")).toEqual([{ email: "alice@example.com" }]);
  });

  it("keeps the case of non-ASCII letters: no Unicode case folding (SEC-57)", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "\u00c9mile@example.com");
    await signUp(app, "\u00e9mile@example.com");
    expect(await app.count("emailpassword_users")).toBe(2);
  });

  it.each([
    ["a NUL byte", "alice\u0000@example.com"],
    ["a newline", "alice\n@example.com"],
    ["a zero-width space", "ali\u200bce@example.com"],
    ["a right-to-left override", "alice\u202e@example.com"],
    ["a space inside", "ali ce@example.com"],
  ])("refuses an email with %s", async (_label, email) => {
    app = await startEmailPasswordApp();
    const response = await app.client().request("POST", "/auth/signup", { body: fields({ email, password: PASSWORD }) });
    expect(response.body).toEqual({ status: "FIELD_ERROR", formFields: [{ id: "email", error: "Email is invalid" }] });
    expect(await app.count("emailpassword_users")).toBe(0);
  });
});

describe("SEC-59 injection strings are data", () => {
  const INJECTIONS = ["' OR '1'='1'--@example.com", "'OR'1'='1'--@example.com", "x' OR 1=1 --", "'); DROP TABLE emailpassword_users;--", "%27%3B--"];

  it("answers injection strings as email or password at sign-in with WRONG_CREDENTIALS or FIELD_ERROR, changing no row", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "bob@example.com");
    const before = await counts();
    for (const value of INJECTIONS) {
      for (const body of [fields({ email: value, password: PASSWORD }), fields({ email: "bob@example.com", password: value })]) {
        const response = await app.client().request("POST", "/auth/signin", { body });
        expect(response.status).toBe(200);
        expect(["WRONG_CREDENTIALS_ERROR", "FIELD_ERROR"]).toContain(response.body?.status);
      }
    }
    expect(await counts()).toEqual(before);
  });

  it("stores an injection-shaped but valid email and password literally, as one user", async () => {
    app = await startEmailPasswordApp();
    const email = "'or'1'='1'--@example.com";
    const password = "' OR 1=1 -- long enough";
    await signUp(app, email, password);
    expect(await app.driver.all("SELECT email FROM emailpassword_users")).toEqual([{ email }]);
    expect((await app.client().request("POST", "/auth/signin", { body: fields({ email, password }) })).body?.status).toBe("OK");
  });

  it("answers an injection string as a reset token with RESET_PASSWORD_INVALID_TOKEN_ERROR, changing no row", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "bob@example.com");
    const mail = app.nextMail();
    await app.client().request("POST", "/auth/user/password/reset/token", { body: fields({ email: "bob@example.com" }) });
    await mail;
    const before = await counts();
    for (const token of INJECTIONS) {
      const response = await app.client().request("POST", "/auth/user/password/reset", { body: { token, ...fields({ password: "a new long passphrase" }) } });
      expect(response.body).toEqual({ status: "RESET_PASSWORD_INVALID_TOKEN_ERROR" });
    }
    expect(await counts()).toEqual(before);
  });

  it("answers a tenant id with a quote in the path with 404, changing no row", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "bob@example.com");
    const before = await counts();
    const response = await app.client().request("POST", "/auth/public'--/signin", { body: fields({ email: "bob@example.com", password: PASSWORD }) });
    expect(response.status).toBe(404);
    expect(await counts()).toEqual(before);
  });

  it("answers an injection string in the email-exists query with exists false", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "bob@example.com");
    const response = await app.client().request("GET", `/auth/emailpassword/email/exists?email=${encodeURIComponent("' OR '1'='1")}`);
    expect(response.body).toEqual({ status: "OK", exists: false });
  });
});

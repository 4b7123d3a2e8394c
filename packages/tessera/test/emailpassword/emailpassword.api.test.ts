/** The emailpassword endpoints over real HTTP: every status of protocol 4.2 with its exact body. */
import { afterEach, describe, expect, it, vi } from "vitest";
import tessera from "../../src/index.js";
import { ConfigError } from "../../src/core/errors.js";
import { getInstance } from "../../src/core/instance.js";
import EmailPassword from "../../src/recipe/emailpassword/index.js";
import MultiFactorAuth from "../../src/recipe/multifactorauth/index.js";
import { T0_MS } from "../helpers/app.js";
import { fields, PASSWORD, signUp, startEmailPasswordApp, type EmailPasswordTestApp } from "./helpers.js";

let app: EmailPasswordTestApp;
afterEach(async () => app?.close());

function expectedUser(id: string, email: string, tenantId = "public") {
  return {
    id,
    timeJoined: T0_MS,
    isPrimaryUser: false,
    tenantIds: [tenantId],
    emails: [email],
    phoneNumbers: [],
    thirdParty: [],
    loginMethods: [{ recipeId: "emailpassword", recipeUserId: id, verified: false, tenantIds: [tenantId], timeJoined: T0_MS, email }],
  };
}

describe("POST /signup", () => {
  it("answers OK with the FDI 3.0 user object and starts a session", async () => {
    app = await startEmailPasswordApp();
    const client = app.client();
    const response = await client.request("POST", "/auth/signup", { body: fields({ email: "alice@example.com", password: PASSWORD }) });
    expect(response.status).toBe(200);
    const id = (response.body?.user as { id: string }).id;
    expect(response.body).toEqual({ status: "OK", user: expectedUser(id, "alice@example.com") });
    expect(response.headers.get("front-token")).toBeTruthy();
    expect((await client.request("GET", "/t/session")).body).toEqual({ userId: id, tenantId: "public" });
  });

  it("answers FIELD_ERROR with supertokens' text when the email is taken", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "alice@example.com");
    const response = await app.client().request("POST", "/auth/signup", { body: fields({ email: "alice@example.com", password: "another long password" }) });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: "FIELD_ERROR", formFields: [{ id: "email", error: "This email already exists. Please sign in instead." }] });
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("answers FIELD_ERROR 'Email is invalid' for a malformed email", async () => {
    app = await startEmailPasswordApp();
    const response = await app.client().request("POST", "/auth/signup", { body: fields({ email: "not-an-email", password: PASSWORD }) });
    expect(response.body).toEqual({ status: "FIELD_ERROR", formFields: [{ id: "email", error: "Email is invalid" }] });
  });

  it("answers 'Field is not optional' for an empty email and a missing password", async () => {
    app = await startEmailPasswordApp();
    const response = await app.client().request("POST", "/auth/signup", { body: fields({ email: "  " }) });
    expect(response.body).toEqual({
      status: "FIELD_ERROR",
      formFields: [
        { id: "email", error: "Field is not optional" },
        { id: "password", error: "Field is not optional" },
      ],
    });
  });

  it("answers FIELD_ERROR on the password for a password that breaks the policy", async () => {
    app = await startEmailPasswordApp();
    const response = await app.client().request("POST", "/auth/signup", { body: fields({ email: "alice@example.com", password: "short" }) });
    expect(response.body).toEqual({ status: "FIELD_ERROR", formFields: [{ id: "password", error: "Password must be at least 8 characters long" }] });
    expect(await app.count("emailpassword_users")).toBe(0);
  });

  it("creates the user in the tenant of the path, who cannot sign in on another tenant", async () => {
    app = await startEmailPasswordApp();
    const response = await app.client().request("POST", "/auth/tenant-b/signup", { body: fields({ email: "alice@example.com", password: PASSWORD }) });
    const id = (response.body?.user as { id: string }).id;
    expect(response.body).toEqual({ status: "OK", user: expectedUser(id, "alice@example.com", "tenant-b") });
    expect((await app.client().request("POST", "/auth/signin", { body: fields({ email: "alice@example.com", password: PASSWORD }) })).body).toEqual({ status: "WRONG_CREDENTIALS_ERROR" });
    expect((await app.client().request("POST", "/auth/tenant-b/signin", { body: fields({ email: "alice@example.com", password: PASSWORD }) })).body?.status).toBe("OK");
  });

  it("validates configured custom fields and reports every failing field at once", async () => {
    app = await startEmailPasswordApp({
      emailPassword: { signUpFeature: { formFields: [{ id: "name", validate: (v) => (v === "x" ? "Name is too short" : undefined) }, { id: "company", optional: true }] } },
    });
    const response = await app.client().request("POST", "/auth/signup", { body: fields({ email: "bad", password: PASSWORD, name: "x" }) });
    expect(response.body).toEqual({
      status: "FIELD_ERROR",
      formFields: [
        { id: "email", error: "Email is invalid" },
        { id: "name", error: "Name is too short" },
      ],
    });
    const ok = await app.client().request("POST", "/auth/signup", { body: fields({ email: "alice@example.com", password: PASSWORD, name: "Alice" }) });
    expect(ok.body?.status).toBe("OK");
  });

  it("answers 400 to shouldTryLinkingWithSessionUser: true, since linking is not supported", async () => {
    app = await startEmailPasswordApp();
    const response = await app.client().request("POST", "/auth/signup", { body: { ...fields({ email: "alice@example.com", password: PASSWORD }), shouldTryLinkingWithSessionUser: true } });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ message: "shouldTryLinkingWithSessionUser is not supported: email and password can only be a first factor in this version" });
    expect(await app.count("emailpassword_users")).toBe(0);
  });

  it("ignores shouldTryLinkingWithSessionUser from a frontend on FDI 3.0, which does not send it", async () => {
    app = await startEmailPasswordApp();
    const response = await app.client().request("POST", "/auth/signup", {
      body: { ...fields({ email: "alice@example.com", password: PASSWORD }), shouldTryLinkingWithSessionUser: true },
      headers: { "fdi-version": "3.0" },
    });
    expect(response.body?.status).toBe("OK");
  });

  it("accepts shouldTryLinkingWithSessionUser: false", async () => {
    app = await startEmailPasswordApp();
    const response = await app.client().request("POST", "/auth/signup", { body: { ...fields({ email: "alice@example.com", password: PASSWORD }), shouldTryLinkingWithSessionUser: false } });
    expect(response.body?.status).toBe("OK");
  });
});

describe("POST /signin", () => {
  it("answers OK with the user and starts a new session", async () => {
    app = await startEmailPasswordApp();
    const id = await signUp(app, "alice@example.com");
    const client = app.client("header");
    const response = await client.request("POST", "/auth/signin", { body: fields({ email: "alice@example.com", password: PASSWORD }) });
    expect(response.body).toEqual({ status: "OK", user: expectedUser(id, "alice@example.com") });
    expect(response.headers.get("st-access-token")).toBeTruthy();
    expect((await client.request("GET", "/t/session")).body).toEqual({ userId: id, tenantId: "public" });
  });

  it("answers WRONG_CREDENTIALS_ERROR for a wrong password, with no session", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "alice@example.com");
    const response = await app.client().request("POST", "/auth/signin", { body: fields({ email: "alice@example.com", password: "wrong password here" }) });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: "WRONG_CREDENTIALS_ERROR" });
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("never applies the password policy: a user whose password predates it still signs in", async () => {
    app = await startEmailPasswordApp();
    await EmailPassword.signUp("public", "old@example.com", "1234");
    const response = await app.client().request("POST", "/auth/signin", { body: fields({ email: "old@example.com", password: "1234" }) });
    expect(response.body?.status).toBe("OK");
  });

  it("answers FIELD_ERROR for a malformed email", async () => {
    app = await startEmailPasswordApp();
    const response = await app.client().request("POST", "/auth/signin", { body: fields({ email: "alice", password: PASSWORD }) });
    expect(response.body).toEqual({ status: "FIELD_ERROR", formFields: [{ id: "email", error: "Email is invalid" }] });
  });

  it("answers 'Field is not optional' for an empty password", async () => {
    app = await startEmailPasswordApp();
    const response = await app.client().request("POST", "/auth/signin", { body: fields({ email: "alice@example.com", password: "" }) });
    expect(response.body).toEqual({ status: "FIELD_ERROR", formFields: [{ id: "password", error: "Field is not optional" }] });
  });

  it("marks the emailpassword factor complete in st-mfa and registers the factor when MFA is initialised", async () => {
    app = await startEmailPasswordApp({ extraRecipes: [MultiFactorAuth.init()] });
    const id = await signUp(app, "alice@example.com");
    const client = app.client();
    await client.request("POST", "/auth/signin", { body: fields({ email: "alice@example.com", password: PASSWORD }) });
    const mfa = client.frontPayload()?.["st-mfa"] as { c: Record<string, number> } | undefined;
    expect(Object.keys(mfa?.c ?? {})).toEqual(["emailpassword"]);
    expect(await MultiFactorAuth.getFactorsSetupForUser(id)).toContain("emailpassword");
  });
});

describe("GET /emailpassword/email/exists", () => {
  it.each(["/auth/emailpassword/email/exists", "/auth/signup/email/exists"])("answers OK with exists true or false on %s", async (path) => {
    app = await startEmailPasswordApp();
    await signUp(app, "alice@example.com");
    expect((await app.client().request("GET", `${path}?email=alice%40example.com`)).body).toEqual({ status: "OK", exists: true });
    expect((await app.client().request("GET", `${path}?email=bob%40example.com`)).body).toEqual({ status: "OK", exists: false });
  });

  it("normalises the email it is asked about", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "alice@example.com");
    expect((await app.client().request("GET", "/auth/emailpassword/email/exists?email=%20ALICE%40Example.COM%20")).body).toEqual({ status: "OK", exists: true });
  });

  // Found by a new-user trial: a NUL byte reached PostgreSQL, which cannot compare it, and answered 500.
  it("answers exists false, without a lookup, for an email with a control character", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "ab@example.com");
    // SQLite would find nothing either: what matters is that the store is never asked.
    const lookup = vi.spyOn(getInstance().storage.emailPassword, "getUserByEmail");
    try {
      for (const email of ["a%00b%40example.com", "ab%40example.com%00", "a%01b%40example.com"]) {
        expect((await app.client().request("GET", `/auth/emailpassword/email/exists?email=${email}`)).body).toEqual({ status: "OK", exists: false });
      }
      expect(lookup).not.toHaveBeenCalled();
      expect((await app.client().request("GET", "/auth/emailpassword/email/exists?email=ab%40example.com")).body).toEqual({ status: "OK", exists: true });
      expect(lookup).toHaveBeenCalledTimes(1);
    } finally {
      lookup.mockRestore();
    }
  });

  it("answers 400 without the email parameter", async () => {
    app = await startEmailPasswordApp();
    const response = await app.client().request("GET", "/auth/emailpassword/email/exists");
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ message: "Please provide the email as a GET param" });
  });

  it("answers 404 once switched off by an APIs override", async () => {
    app = await startEmailPasswordApp({ emailPassword: { override: { apis: (original) => ({ ...original, emailExistsGET: undefined }) } } });
    const response = await app.client().request("GET", "/auth/emailpassword/email/exists?email=a%40example.com");
    expect(response.status).toBe(404);
  });
});

describe("POST /user/password/reset/token", () => {
  it("answers OK", async () => {
    app = await startEmailPasswordApp();
    await signUp(app, "alice@example.com");
    const mail = app.nextMail();
    const response = await app.client().request("POST", "/auth/user/password/reset/token", { body: fields({ email: "alice@example.com" }) });
    expect(response.body).toEqual({ status: "OK" });
    await mail;
  });

  it("answers FIELD_ERROR for a malformed email", async () => {
    app = await startEmailPasswordApp();
    const response = await app.client().request("POST", "/auth/user/password/reset/token", { body: fields({ email: "nope" }) });
    expect(response.body).toEqual({ status: "FIELD_ERROR", formFields: [{ id: "email", error: "Email is invalid" }] });
  });
});

describe("POST /user/password/reset", () => {
  it("answers RESET_PASSWORD_INVALID_TOKEN_ERROR for an unknown token", async () => {
    app = await startEmailPasswordApp();
    const response = await app.client().request("POST", "/auth/user/password/reset", { body: { method: "token", token: "unknown", ...fields({ password: PASSWORD }) } });
    expect(response.body).toEqual({ status: "RESET_PASSWORD_INVALID_TOKEN_ERROR" });
  });

  it("answers FIELD_ERROR on the password for a common password", async () => {
    app = await startEmailPasswordApp();
    const response = await app.client().request("POST", "/auth/user/password/reset", { body: { token: "unknown", ...fields({ password: "iloveyou1" }) } });
    expect(response.body).toEqual({ status: "FIELD_ERROR", formFields: [{ id: "password", error: "This password is too common: choose one that is harder to guess" }] });
  });

  it.each([
    ["missing", undefined, "Please provide the password reset token"],
    ["a number", 42, "The password reset token must be a string"],
  ])("answers 400 when the token is %s", async (_label, token, message) => {
    app = await startEmailPasswordApp();
    const response = await app.client().request("POST", "/auth/user/password/reset", { body: { token, ...fields({ password: PASSWORD }) } });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ message });
  });
});

describe("overrides", () => {
  it("runs a functions override written with object spread, for the endpoints too", async () => {
    const seen: string[] = [];
    app = await startEmailPasswordApp({
      emailPassword: {
        override: {
          functions: (original) => ({
            ...original,
            signUp: async (input) => {
              seen.push(input.email);
              return original.signUp(input);
            },
          }),
        },
      },
    });
    await signUp(app, "alice@example.com");
    expect(seen).toEqual(["alice@example.com"]);
  });
});

describe("configuration", () => {
  it("throws at EmailPassword.init for a password policy ASVS forbids", () => {
    expect(() => EmailPassword.init({ passwordPolicy: { minLength: 6 } })).toThrow(ConfigError);
  });

  it("throws at tessera.init when the session recipe is missing", async () => {
    expect(() =>
      tessera.init({ appInfo: { appName: "T", apiDomain: "http://127.0.0.1", websiteDomain: "http://127.0.0.1" }, database: "sqlite::memory:", recipeList: [EmailPassword.init()] }),
    ).toThrow(/add Session.init\(\) to recipeList/);
    await tessera.reset();
  });
});

/** Malformed input to every emailpassword endpoint: 400 `{"message"}`, never a 5xx, nothing stored. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD, rawPost, startEmailPasswordApp, type EmailPasswordTestApp } from "./helpers.js";

let app: EmailPasswordTestApp;
beforeAll(async () => {
  app = await startEmailPasswordApp();
});
afterAll(async () => app?.close());

const ENDPOINTS = ["/auth/signup", "/auth/signin", "/auth/user/password/reset/token", "/auth/user/password/reset"];
const email = { id: "email", value: "alice@example.com" };
const password = { id: "password", value: PASSWORD };

/** Bodies that are malformed for every endpoint, with the message each gets. */
const MALFORMED: [string, string, string][] = [
  ["malformed JSON", '{"formFields": [', "Request body is not valid JSON"],
  ["a JSON array body", "[]", "Request body must be a JSON object"],
  ["a JSON null body", "null", "Request body must be a JSON object"],
  ["a JSON string body", '"formFields"', "Request body must be a JSON object"],
  ["an empty body", "", "Missing input param: formFields"],
  ["no formFields", '{"token":"t"}', "Missing input param: formFields"],
  ["formFields that is an object", '{"formFields":{"email":"a@example.com"},"token":"t"}', "formFields must be an array"],
  ["a form field that is a string", '{"formFields":["email"],"token":"t"}', "All elements of formFields must be an object"],
  ["a form field that is null", '{"formFields":[null],"token":"t"}', "All elements of formFields must be an object"],
  ["a form field without an id", '{"formFields":[{"value":"x"}],"token":"t"}', "All elements of formFields must contain an 'id' and 'value' field"],
  ["a form field with a numeric id", '{"formFields":[{"id":1,"value":"x"}],"token":"t"}', "All elements of formFields must contain an 'id' and 'value' field"],
  ["a form field without a value", '{"formFields":[{"id":"email"}],"token":"t"}', "All elements of formFields must contain an 'id' and 'value' field"],
];

describe.each(ENDPOINTS)("bad input to %s", (path) => {
  it.each(MALFORMED)("answers 400 to %s and stores nothing", async (_label, body, message) => {
    const response = await rawPost(app, path, body);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({ message });
    expect(await app.count("emailpassword_users")).toBe(0);
  });

  it("answers 400 to more form fields than the form has", async () => {
    const extra = [email, password, { id: "a", value: "1" }, { id: "b", value: "2" }];
    const response = await rawPost(app, path, JSON.stringify({ formFields: extra, token: "t" }));
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({ message: "Are you sending too many formFields?" });
  });

  it("answers 400 to a body over 64 KiB", async () => {
    const response = await rawPost(app, path, JSON.stringify({ formFields: [email, { id: "password", value: "x".repeat(70_000) }], token: "t" }));
    expect(response.status).toBe(400);
    expect(await app.count("emailpassword_users")).toBe(0);
  });
});

describe.each(["/auth/signup", "/auth/signin"])("bad credentials input to %s", (path) => {
  it.each([
    ["a number", 42],
    ["an object", { $ne: "" }],
    ["an array", ["alice@example.com"]],
    ["null", null],
    ["a boolean", true],
  ])("answers 400 to an email that is %s, and stores nothing", async (_label, value) => {
    const response = await rawPost(app, path, JSON.stringify({ formFields: [{ id: "email", value }, password] }));
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({ message: "The value of formFields with id = email must be a string" });
    expect(await app.count("emailpassword_users")).toBe(0);
  });

  it.each([
    ["a number", 12345678],
    ["an object", { $gt: "" }],
    ["null", null],
  ])("answers 400 to a password that is %s, and stores nothing", async (_label, value) => {
    const response = await rawPost(app, path, JSON.stringify({ formFields: [email, { id: "password", value }] }));
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({ message: "The value of formFields with id = password must be a string" });
    expect(await app.count("emailpassword_users")).toBe(0);
  });

  it("answers 400 to the same field id twice", async () => {
    const response = await rawPost(app, path, JSON.stringify({ formFields: [email, { id: "email", value: "bob@example.com" }] }));
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({ message: 'formFields contains the id "email" more than once' });
  });

  it("answers 400 to a shouldTryLinkingWithSessionUser that is not a boolean", async () => {
    const response = await rawPost(app, path, JSON.stringify({ formFields: [email, password], shouldTryLinkingWithSessionUser: "yes" }));
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({ message: "shouldTryLinkingWithSessionUser must be a boolean" });
    expect(await app.count("emailpassword_users")).toBe(0);
  });
});

describe("bad query input", () => {
  it("answers an email-exists query with a very long email as exists false, not an error", async () => {
    const response = await fetch(`${app.url}/auth/emailpassword/email/exists?email=${"a".repeat(4000)}%40example.com`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "OK", exists: false });
  });
});

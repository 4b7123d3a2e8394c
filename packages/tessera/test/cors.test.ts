import { afterEach, describe, expect, it } from "vitest";
import tessera, { getAllCORSHeaders } from "../src/index.js";
import Session from "../src/recipe/session/index.js";
import EmailPassword from "../src/recipe/emailpassword/index.js";

afterEach(() => tessera.reset());

describe("getAllCORSHeaders", () => {
  it("lists every header the SuperTokens frontend sends (protocol 1.1), once each", () => {
    tessera.init({ appInfo: { appName: "T", apiDomain: "http://127.0.0.1", websiteDomain: "http://127.0.0.1" }, database: "sqlite::memory:", recipeList: [Session.init(), EmailPassword.init()] });
    const headers = getAllCORSHeaders();
    for (const name of ["anti-csrf", "rid", "fdi-version", "authorization", "st-auth-mode", "content-type"]) expect(headers).toContain(name);
    expect(new Set(headers).size).toBe(headers.length);
  });

  it("refuses to answer before tessera.init, with a message that says what to do", () => {
    expect(() => getAllCORSHeaders()).toThrow(/tessera.init/);
  });
});

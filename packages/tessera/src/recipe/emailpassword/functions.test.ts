import { describe, expect, it, vi } from "vitest";
import * as password from "../../core/crypto/password.js";
import type { EmailPasswordStore, Storage } from "../../core/storage.js";
import { normaliseEmailPasswordConfig } from "./config.js";
import { DUMMY_PASSWORD_HASH, makeDefaultFunctions } from "./functions.js";

vi.mock("../../core/crypto/password.js", { spy: true });

function storageWithoutUsers(): Storage {
  const store: Partial<EmailPasswordStore> = { getUserByEmail: async () => null };
  return { emailPassword: store } as unknown as Storage;
}

describe("emailpassword functions", () => {
  it("uses a dummy hash made with the current argon2id parameters", async () => {
    expect(DUMMY_PASSWORD_HASH.startsWith("$argon2id$")).toBe(true);
    expect(await password.needsRehash(DUMMY_PASSWORD_HASH)).toBe(false);
  });

  it("verifies the password against the dummy hash when the email is unknown (SEC-50)", async () => {
    const functions = makeDefaultFunctions(storageWithoutUsers(), normaliseEmailPasswordConfig());
    const result = await functions.signIn({ email: "nobody@example.com", password: "some password", tenantId: "public", userContext: {} });
    expect(result).toEqual({ status: "WRONG_CREDENTIALS_ERROR" });
    expect(password.verifyPassword).toHaveBeenCalledWith(DUMMY_PASSWORD_HASH, "some password");
  });
});

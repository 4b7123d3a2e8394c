import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import tessera from "../src/index.js";
import { getInstance } from "../src/core/instance.js";
import Session from "../src/recipe/session/index.js";

const appInfo = { appName: "Test", apiDomain: "http://127.0.0.1", websiteDomain: "http://127.0.0.1" };
let directory: string | undefined;
const previous = process.env.TESSERA_MASTER_KEY;

afterEach(async () => {
  await tessera.reset();
  if (directory) rmSync(directory, { recursive: true, force: true });
  if (previous === undefined) delete process.env.TESSERA_MASTER_KEY;
  else process.env.TESSERA_MASTER_KEY = previous;
});

describe("encryption at rest without a configured master key", () => {
  it("keeps a generated key beside the SQLite file (mode 0600) and never stores a private key in clear", async () => {
    delete process.env.TESSERA_MASTER_KEY;
    directory = mkdtempSync(join(tmpdir(), "tessera-key-"));
    const file = join(directory, "tessera.db");
    tessera.init({ appInfo, database: `sqlite:${file}`, recipeList: [Session.init()] });
    await Session.createNewSessionWithoutRequestResponse("public", "user-1");
    expect(existsSync(`${file}.key`)).toBe(true);
    expect(statSync(`${file}.key`).mode & 0o777).toBe(0o600);
    const keys = await getInstance().storage.keys.list();
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key.privateKey.startsWith("v1.")).toBe(true);
      expect(key.privateKey).not.toContain("PRIVATE KEY");
    }
  });

  it("reads the same key file on the next start, so tokens signed before still verify", async () => {
    delete process.env.TESSERA_MASTER_KEY;
    directory = mkdtempSync(join(tmpdir(), "tessera-key-"));
    const file = join(directory, "tessera.db");
    tessera.init({ appInfo, database: `sqlite:${file}`, recipeList: [Session.init()] });
    const session = await Session.createNewSessionWithoutRequestResponse("public", "user-1");
    const token = session.getAccessToken();
    await tessera.reset();
    tessera.init({ appInfo, database: `sqlite:${file}`, recipeList: [Session.init()] });
    const again = await Session.getSessionWithoutRequestResponse(token);
    expect(again?.getUserId()).toBe("user-1");
    // A new session signs with the stored (sealed) key, which the same key file opens.
    await expect(Session.createNewSessionWithoutRequestResponse("public", "user-2")).resolves.toBeDefined();
  });
});

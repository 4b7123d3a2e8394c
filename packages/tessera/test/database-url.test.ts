/**
 * Where tessera keeps its data when `tessera.init` names no `database` (issue 2): `DATABASE_URL`
 * in the environment is the fallback, and without it the default `sqlite:./data/tessera.db` is
 * created, relative to the process's working directory, on first start. Unsupported URLs throw
 * at init and say what is accepted.
 *
 * The default case runs in a child Node process whose cwd is a fresh temporary directory, so the
 * repository is never written; it imports the built package (`npm run build -w tessera`).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fixedClock } from "../src/core/clock.js";
import { ConfigError } from "../src/core/errors.js";
import tessera, { type TesseraConfig } from "../src/index.js";
import Session from "../src/recipe/session/index.js";
import type { SessionContainer } from "../src/recipe/session/types.js";
import { T0_MS } from "./helpers/app.js";

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const ENV_KEYS = ["DATABASE_URL", "TESSERA_MASTER_KEY"] as const;

/** tessera.init with everything but `database` (unless given): the case under test. */
function init(extra: Partial<TesseraConfig> = {}): void {
  tessera.init({
    framework: "express",
    appInfo: { appName: "Database URL", apiDomain: "http://127.0.0.1", websiteDomain: "http://127.0.0.1" },
    recipeList: [Session.init()],
    clock: fixedClock(T0_MS),
    ...extra,
  });
}

const sessionRowsIn = (file: string): { handle: string; user_id: string }[] => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare("SELECT handle, user_id FROM sessions").all() as { handle: string; user_id: string }[];
  } finally {
    db.close();
  }
};

/**
 * Saves and clears the variables init reads, and restores them after each test. Each test runs
 * with a fresh temporary directory as its working directory, so that even a broken fallback
 * (one that opens the default `./data/tessera.db`) never writes into the repository.
 */
function isolatedEnvironment(): { readonly dir: string } {
  const saved: Partial<Record<(typeof ENV_KEYS)[number], string>> = {};
  let dir: string | undefined;
  let previousCwd: string | undefined;
  beforeEach(() => {
    for (const key of ENV_KEYS) {
      saved[key] = process.env[key];
      delete process.env[key];
    }
    dir = mkdtempSync(join(tmpdir(), "tessera-database-url-"));
    previousCwd = process.cwd();
    process.chdir(dir);
  });
  afterEach(async () => {
    await tessera.reset();
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    if (previousCwd) process.chdir(previousCwd);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      if (!dir) throw new Error("no temporary directory yet");
      return dir;
    },
  };
}

describe("DATABASE_URL as the fallback when tessera.init names no database", () => {
  const env = isolatedEnvironment();

  it("creates the SQLite file DATABASE_URL names (and the key file beside it), in a directory that did not exist", async () => {
    const file = join(env.dir, "nested", "auth.db");
    process.env.DATABASE_URL = `sqlite:${file}`;
    init();
    expect(existsSync(file)).toBe(true);
    expect(existsSync(`${file}.key`)).toBe(true);
    const session = await Session.createNewSessionWithoutRequestResponse("public", "env-user", {}, {}, true);
    expect(sessionRowsIn(file)).toEqual([{ handle: session.getHandle(), user_id: "env-user" }]);
    expect(readdirSync(env.dir)).toEqual(["nested"]);
  });

  it("treats an empty DATABASE_URL as unset, as TESSERA_MASTER_KEY: the default ./data/tessera.db", async () => {
    process.env.DATABASE_URL = "";
    init();
    const session = await Session.createNewSessionWithoutRequestResponse("public", "empty-env-user", {}, {}, true);
    expect(sessionRowsIn(join(env.dir, "data", "tessera.db"))).toEqual([{ handle: session.getHandle(), user_id: "empty-env-user" }]);
  });

  it("keeps a session across a restart of tessera on that file: its access token verifies against the database and its refresh token refreshes", async () => {
    const file = join(env.dir, "restart.db");
    process.env.DATABASE_URL = `sqlite:${file}`;
    init();
    const created = await Session.createNewSessionWithoutRequestResponse("public", "restart-user", { plan: "pro" }, { note: "kept" }, true);
    const { accessToken, refreshToken } = created.getAllSessionTokensDangerously();
    await tessera.reset();
    expect(sessionRowsIn(file)).toEqual([{ handle: created.getHandle(), user_id: "restart-user" }]);

    init();
    const verified = (await Session.getSessionWithoutRequestResponse(accessToken, undefined, { checkDatabase: true })) as SessionContainer;
    expect(verified.getHandle()).toBe(created.getHandle());
    expect(verified.getAccessTokenPayload()).toMatchObject({ plan: "pro" });
    expect(await verified.getSessionDataFromDatabase()).toEqual({ note: "kept" });
    const refreshed = await Session.refreshSessionWithoutRequestResponse(refreshToken as string, true);
    expect(refreshed.getHandle()).toBe(created.getHandle());
    expect(await Session.getAllSessionHandlesForUser("restart-user")).toEqual([created.getHandle()]);
  });

  it("is only the fallback: a database given to tessera.init wins, and the DATABASE_URL file is not created", async () => {
    const fromEnv = join(env.dir, "from-env.db");
    const fromConfig = join(env.dir, "from-config.db");
    process.env.DATABASE_URL = `sqlite:${fromEnv}`;
    init({ database: `sqlite:${fromConfig}` });
    await Session.createNewSessionWithoutRequestResponse("public", "config-user", {}, {}, true);
    expect(existsSync(fromConfig)).toBe(true);
    expect(existsSync(fromEnv)).toBe(false);
    expect(sessionRowsIn(fromConfig)).toHaveLength(1);
  });
});

describe("unsupported database URLs", () => {
  const env = isolatedEnvironment();
  const ACCEPTED = /"sqlite:<file>", "sqlite::memory:" or a postgres:\/\/ URL/;

  function initError(extra: Partial<TesseraConfig> = {}): unknown {
    try {
      init(extra);
    } catch (error) {
      return error;
    }
    return undefined;
  }

  it("throws a ConfigError at init for mysql://, naming what is accepted and hiding the credentials", async () => {
    const error = initError({ database: "mysql://admin:hunter2@db.example.com/auth" });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(ACCEPTED);
    expect((error as Error).message).toContain("mysql://***@db.example.com/auth");
    expect((error as Error).message).not.toContain("hunter2");
    // Nothing was started: the module functions still say tessera is not initialised.
    await expect(Session.getSessionInformation("anything")).rejects.toThrow(/not initialised/);
  });

  it("throws the same for an unsupported DATABASE_URL", () => {
    process.env.DATABASE_URL = "mysql://admin:hunter2@db.example.com/auth";
    const error = initError();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(ACCEPTED);
    expect((error as Error).message).not.toContain("hunter2");
  });

  it.each(["sqlite:", "sqlite://"])("throws a ConfigError for %j with no file, saying a file is needed and giving an example", (url) => {
    const error = initError({ database: url });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe('database "sqlite:" needs a file, e.g. "sqlite:./data/tessera.db"');
    expect(readdirSync(env.dir)).toEqual([]);
  });

  it("throws for a URL that only looks like SQLite (sqlite3:...)", () => {
    const file = join(env.dir, "x.db");
    const error = initError({ database: `sqlite3:${file}` });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(ACCEPTED);
    expect(existsSync(file)).toBe(false);
  });
});

/** The built entry points the child imports. */
const built = {
  index: join(packageRoot, "dist", "esm", "index.js"),
  session: join(packageRoot, "dist", "esm", "recipe", "session", "index.js"),
};

/** Builds the package if there is no build yet (`npm test` builds first anyway); warns when src is newer. */
function ensureBuilt(): void {
  if (!existsSync(built.index) || !existsSync(built.session)) {
    const result = spawnSync(process.platform === "win32" ? "npm.cmd" : "npm", ["run", "build", "-w", "tessera"], { cwd: join(packageRoot, "..", ".."), encoding: "utf8" });
    if (result.status !== 0) throw new Error(`npm run build -w tessera failed:\n${result.stdout}\n${result.stderr}`);
    return;
  }
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
  if (newest(join(packageRoot, "src")) > statSync(built.index).mtimeMs) {
    console.warn("database-url test: dist/ is older than src/; the child process runs the build (run `npm run build -w tessera`)");
  }
}

/**
 * The child: tessera.init with no database and no DATABASE_URL; with "create" it creates a
 * session and prints its tokens, with "verify <accessToken> <refreshToken>" it verifies and
 * refreshes them. Prints one JSON line.
 */
const CHILD = `
const [{ default: tessera }, { default: Session }] = await Promise.all([import(process.env.TESSERA_INDEX), import(process.env.TESSERA_SESSION)]);
tessera.init({ appInfo: { appName: "Default database", apiDomain: "http://127.0.0.1", websiteDomain: "http://127.0.0.1" }, recipeList: [Session.init()] });
const [mode, accessToken, refreshToken] = process.argv.slice(1);
let out;
if (mode === "create") {
  const session = await Session.createNewSessionWithoutRequestResponse("public", "default-db-user", {}, {}, true);
  out = { handle: session.getHandle(), ...session.getAllSessionTokensDangerously() };
} else {
  const session = await Session.getSessionWithoutRequestResponse(accessToken, undefined, { checkDatabase: true });
  const refreshed = await Session.refreshSessionWithoutRequestResponse(refreshToken, true);
  out = { handle: session.getHandle(), refreshedHandle: refreshed.getHandle() };
}
await tessera.reset();
console.log(JSON.stringify(out));
`;

function runChild(cwd: string, args: string[]): Record<string, unknown> {
  const env: NodeJS.ProcessEnv = { ...process.env, TESSERA_INDEX: pathToFileURL(built.index).href, TESSERA_SESSION: pathToFileURL(built.session).href };
  for (const key of ENV_KEYS) delete env[key];
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", CHILD, "--", ...args], { cwd, env, encoding: "utf8", timeout: 20_000 });
  if (result.status !== 0) throw new Error(`child exited with ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split("\n").at(-1) as string) as Record<string, unknown>;
}

describe("the default database with neither database nor DATABASE_URL", () => {
  let cwd: string;
  let created: Record<string, unknown>;
  beforeAll(() => {
    ensureBuilt();
    cwd = mkdtempSync(join(tmpdir(), "tessera-default-db-"));
    return () => rmSync(cwd, { recursive: true, force: true });
  });

  it("creates ./data/tessera.db (and its key file) under the process's working directory on first start", () => {
    expect(readdirSync(cwd)).toEqual([]);
    created = runChild(cwd, ["create"]);
    const file = join(cwd, "data", "tessera.db");
    expect(existsSync(file)).toBe(true);
    expect(existsSync(`${file}.key`)).toBe(true);
    expect(readdirSync(cwd)).toEqual(["data"]);
    expect(sessionRowsIn(file)).toEqual([{ handle: created.handle, user_id: "default-db-user" }]);
  });

  it("finds that session from the next process started in the same directory", () => {
    const verified = runChild(cwd, ["verify", String(created.accessToken), String(created.refreshToken)]);
    expect(verified).toEqual({ handle: created.handle, refreshedHandle: created.handle });
    expect(sessionRowsIn(join(cwd, "data", "tessera.db"))).toHaveLength(1);
  });
});

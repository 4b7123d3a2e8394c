/**
 * Contract (issue 4): "importing `tessera` in a project with none of the framework packages
 * installed works". The seed projects resolve frameworks from the repo's node_modules, so they
 * cannot show it; this test builds a consumer project OUTSIDE the repo tree (under os.tmpdir())
 * whose node_modules holds only:
 *   - tessera as it is published: a COPY of dist/ and package.json (a symlink would be followed
 *     to packages/tessera, from where Node would find the workspace's frameworks);
 *   - tessera's runtime `dependencies`, symlinked from the workspace (their own dependencies
 *     resolve from where they really live, which cannot reach tessera's imports);
 *   - @types/node, which a TypeScript project on Node has (tessera's declarations name Buffer).
 * Then, for every public subpath that is not a framework's (`tessera`, `tessera/recipe/...`):
 * Node imports it as ESM and requires it as CommonJS, and strict tsc (no skipLibCheck) accepts a
 * file importing them, as ESM and as CommonJS. A framework subpath either loads (its adapter
 * uses only the framework's types) or fails with Node's not-found error naming the framework
 * package; for tsc, its only errors are "Cannot find module" naming framework packages.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageRoot, repoRoot, tscBin } from "./seed-project.js";

interface PackageJson {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  exports: Record<string, unknown>;
}

const manifest = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as PackageJson;
const specifier = (key: string) => (key === "." ? "tessera" : `tessera/${key.slice(2)}`);
const subpaths = Object.keys(manifest.exports).filter((key) => key !== "./package.json");
const isFrameworkPath = (key: string) => key.includes("/framework/") || key === "./nextjs";
const PUBLIC = subpaths.filter((key) => !isFrameworkPath(key)).map(specifier);
const FRAMEWORK = subpaths.filter(isFrameworkPath).map(specifier);
/** The packages tessera leaves to the app: the frameworks (and pg, which only its storage path uses). */
const FRAMEWORK_PACKAGES = Object.keys(manifest.peerDependencies);

/** Builds the package when dist lacks either build (a clone that never ran the build). */
function ensureBuilt(): void {
  if (["esm", "cjs"].every((kind) => existsSync(join(packageRoot, "dist", kind, "index.js")))) return;
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const result = spawnSync(npm, ["run", "build", "-w", "tessera"], { cwd: repoRoot, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`npm run build -w tessera failed:\n${result.stdout}\n${result.stderr}`);
}

function link(project: string, name: string, from = join(repoRoot, "node_modules", name)): void {
  const to = join(project, "node_modules", name);
  mkdirSync(dirname(to), { recursive: true });
  symlinkSync(from, to, "junction");
}

/** Every folder Node (and tsc) would look in for `name`, from `dir` up to the root. */
function lookupFolders(dir: string, name: string): string[] {
  const folders: string[] = [];
  for (let current = dir; ; current = dirname(current)) {
    folders.push(join(current, "node_modules", name));
    if (dirname(current) === current) return folders;
  }
}

function node(project: string, file: string) {
  const result = spawnSync(process.execPath, [file], { cwd: project, encoding: "utf8", env: { ...process.env, NODE_PATH: "" } });
  if (result.status !== 0) throw new Error(`node ${file} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, { ok: true; exports: number } | { ok: false; code: string; message: string }>;
}

function tsc(project: string, config: string, compilerOptions: Record<string, unknown>, files: string[]) {
  const tsconfig = {
    compilerOptions: {
      strict: true,
      noUncheckedIndexedAccess: true,
      noUnusedLocals: true,
      noImplicitReturns: true,
      target: "ES2022",
      noEmit: true,
      // Only what the project installed: no @types from a folder above it.
      types: ["node"],
      ...compilerOptions,
    },
    files,
  };
  writeFileSync(join(project, config), JSON.stringify(tsconfig, null, 2));
  const result = spawnSync(process.execPath, [tscBin, "-p", join(project, config), "--pretty", "false"], { cwd: project, encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

/** A script that loads each specifier (with `load`) and prints what happened as JSON. */
function loaderScript(kind: "esm" | "cjs", specifiers: string[]): string {
  const load = kind === "esm" ? "await import(s)" : "require(s)";
  const body = `const out = {};
for (const s of ${JSON.stringify(specifiers)}) {
  try {
    const m = ${load};
    out[s] = { ok: true, exports: Object.keys(m).length };
  } catch (error) {
    out[s] = { ok: false, code: String(error.code), message: String(error.message).split("\\n")[0] };
  }
}
process.stdout.write(JSON.stringify(out));
`;
  return kind === "esm" ? body : `"use strict";\n${body}`;
}

/** Uses tessera for real: SQLite through better-sqlite3, a password hashed by @node-rs/argon2, a session. */
const SMOKE = `import tessera from "tessera";
import Session from "tessera/recipe/session";
import EmailPassword from "tessera/recipe/emailpassword";
tessera.init({
  appInfo: { appName: "No frameworks", apiDomain: "http://127.0.0.1", websiteDomain: "http://127.0.0.1" },
  database: "sqlite::memory:",
  recipeList: [Session.init(), EmailPassword.init()],
});
const signUp = await EmailPassword.signUp("public", "someone@example.com", "correct horse battery staple");
const signIn = await EmailPassword.signIn("public", "someone@example.com", "correct horse battery staple");
const session = await Session.createNewSessionWithoutRequestResponse("public", signIn.status === "OK" ? signIn.user.id : "");
await tessera.reset();
process.stdout.write(JSON.stringify({ signUp: { ok: signUp.status === "OK", code: signUp.status, message: "" }, session: { ok: typeof session.getUserId() === "string", code: "", message: "" } }));
`;

/** The consumer's TypeScript: every public subpath imported, and the entry points used with their types. */
function consumerSource(specifiers: string[]): string {
  const imports = specifiers.map((s, i) => `import * as module${i} from "${s}";`).join("\n");
  return `${imports}
import tessera from "tessera";
import Session from "tessera/recipe/session";
import { BooleanClaim } from "tessera/recipe/session/claims";
import EmailPassword from "tessera/recipe/emailpassword";

export const modules = [${specifiers.map((_, i) => `module${i}`).join(", ")}];

export const SecondFactorClaim = new BooleanClaim({ key: "2fa-completed", fetchValue: () => false });

export function start(): void {
  tessera.init({
    appInfo: { appName: "No frameworks", apiDomain: "http://127.0.0.1", websiteDomain: "http://127.0.0.1", apiBasePath: "/auth" },
    database: "sqlite::memory:",
    recipeList: [Session.init(), EmailPassword.init()],
  });
}

export async function signIn(email: string, password: string): Promise<string | undefined> {
  const result = await EmailPassword.signIn("public", email, password);
  return result.status === "OK" ? result.user.id : undefined;
}
`;
}

/** tsc diagnostics, as lines. */
const diagnostics = (output: string) => output.split("\n").filter((line) => /error TS\d+/.test(line));

describe("tessera in a project with none of the framework packages installed", () => {
  let project = "";

  beforeAll(() => {
    ensureBuilt();
    project = mkdtempSync(join(tmpdir(), "tessera-no-frameworks-"));
    const installed = join(project, "node_modules", "tessera");
    mkdirSync(installed, { recursive: true });
    cpSync(join(packageRoot, "package.json"), join(installed, "package.json"));
    cpSync(join(packageRoot, "dist"), join(installed, "dist"), { recursive: true });
    for (const dependency of Object.keys(manifest.dependencies)) link(project, dependency);
    link(project, "@types/node");
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "no-frameworks-consumer", private: true }, null, 2));
    mkdirSync(join(project, "esm"));
    writeFileSync(join(project, "esm", "package.json"), JSON.stringify({ type: "module" }));
    writeFileSync(join(project, "esm", "public.mjs"), loaderScript("esm", PUBLIC));
    writeFileSync(join(project, "esm", "frameworks.mjs"), loaderScript("esm", FRAMEWORK));
    writeFileSync(join(project, "esm", "smoke.mjs"), SMOKE);
    writeFileSync(join(project, "public.cjs"), loaderScript("cjs", PUBLIC));
    writeFileSync(join(project, "frameworks.cjs"), loaderScript("cjs", FRAMEWORK));
    writeFileSync(join(project, "consumer.mts"), consumerSource(PUBLIC));
    writeFileSync(join(project, "consumer.cts"), consumerSource(PUBLIC));
    writeFileSync(join(project, "consumer.ts"), consumerSource(PUBLIC));
    writeFileSync(join(project, "frameworks.ts"), FRAMEWORK.map((s, i) => `import * as framework${i} from "${s}";\nexport { framework${i} };`).join("\n") + "\n");
  }, 300_000);

  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it("is a project outside the repo where no framework package can be found", () => {
    const fromRepo = relative(repoRoot, project);
    expect(fromRepo.startsWith("..") || isAbsolute(fromRepo), `${project} is inside the repo`).toBe(true);
    expect(PUBLIC).toEqual(expect.arrayContaining(["tessera", "tessera/recipe/session", "tessera/recipe/session/claims", "tessera/recipe/emailpassword"]));
    expect(FRAMEWORK).toEqual(expect.arrayContaining(["tessera/framework/express", "tessera/framework/fastify", "tessera/recipe/session/framework/fastify", "tessera/nextjs"]));
    for (const name of FRAMEWORK_PACKAGES) for (const folder of lookupFolders(project, name)) expect(existsSync(folder), folder).toBe(false);
    for (const folder of lookupFolders(project, "@types/express")) expect(existsSync(folder), folder).toBe(false);
  });

  it("imports every public subpath that is not a framework's, as ESM and as CommonJS", () => {
    for (const [kind, file] of [["ESM", join("esm", "public.mjs")], ["CommonJS", "public.cjs"]] as const) {
      const results = node(project, file);
      expect(Object.keys(results).sort(), kind).toEqual([...PUBLIC].sort());
      for (const [subpath, result] of Object.entries(results)) {
        expect(result, `${kind} ${subpath}: ${JSON.stringify(result)}`).toMatchObject({ ok: true });
        expect(result.ok && result.exports, `${kind} ${subpath} exports something`).toBeGreaterThan(0);
      }
    }
  });

  it("runs: init on SQLite, sign-up and sign-in (argon2), a session", () => {
    expect(node(project, join("esm", "smoke.mjs"))).toStrictEqual({ signUp: { ok: true, code: "OK", message: "" }, session: { ok: true, code: "", message: "" } });
  }, 60_000);

  it("type-checks a file importing them under strict tsc, as ESM and CommonJS (NodeNext) and as CommonJS with node10 resolution", () => {
    const nodeNext = tsc(project, "tsconfig.nodenext.json", { module: "NodeNext", moduleResolution: "NodeNext" }, ["consumer.mts", "consumer.cts"]);
    expect(nodeNext.status, nodeNext.output).toBe(0);
    expect(diagnostics(nodeNext.output)).toEqual([]);
    const node10 = tsc(project, "tsconfig.node10.json", { module: "commonjs", moduleResolution: "node10", esModuleInterop: true }, ["consumer.ts"]);
    expect(node10.status, node10.output).toBe(0);
    expect(diagnostics(node10.output)).toEqual([]);
  }, 120_000);

  it("a framework subpath loads, or fails only with Node's not-found error naming the framework package", () => {
    const missing = new Set<string>();
    for (const [kind, file] of [["ESM", join("esm", "frameworks.mjs")], ["CommonJS", "frameworks.cjs"]] as const) {
      const results = node(project, file);
      expect(Object.keys(results).sort(), kind).toEqual([...FRAMEWORK].sort());
      for (const [subpath, result] of Object.entries(results)) {
        if (result.ok) continue;
        const label = `${kind} ${subpath}: ${result.code} ${result.message}`;
        expect(result.code, label).toBe(kind === "ESM" ? "ERR_MODULE_NOT_FOUND" : "MODULE_NOT_FOUND");
        const named = /^Cannot find (?:package|module) '([^']+)'/.exec(result.message)?.[1];
        expect(FRAMEWORK_PACKAGES, label).toContain(named);
        missing.add(`${subpath} → ${named}`);
      }
    }
    // LoopBack's adapter reads RestBindings at run time: without @loopback/rest it cannot load.
    expect([...missing]).toContain("tessera/framework/loopback → @loopback/rest");
  });

  it("a framework subpath's types fail under tsc only with 'Cannot find module' naming the framework package", () => {
    const result = tsc(project, "tsconfig.frameworks.json", { module: "NodeNext", moduleResolution: "NodeNext" }, ["frameworks.ts"]);
    expect(result.status, result.output).not.toBe(0);
    const named = new Set<string>();
    for (const line of diagnostics(result.output)) {
      const match = /error TS2307: Cannot find module '([^']+)' or its corresponding type declarations\.$/.exec(line.trim());
      expect(match, line).not.toBeNull();
      // A types-only framework (aws-lambda) is installed as @types/<name>.
      expect(FRAMEWORK_PACKAGES.includes(match![1]!) || FRAMEWORK_PACKAGES.includes(`@types/${match![1]!}`), line).toBe(true);
      named.add(match![1]!);
    }
    expect([...named]).toEqual(expect.arrayContaining(["fastify", "@hapi/hapi", "koa", "express"]));
  }, 120_000);
});

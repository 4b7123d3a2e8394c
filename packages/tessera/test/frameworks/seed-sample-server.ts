/**
 * Runs one of the seed's Fastify, Hapi, Koa or LoopBack samples as a server (issue 4: "a server
 * built from it behaves as the seed says"). Shared by the `<framework>.sample.test.ts` files.
 *
 * - The sample is copied byte for byte into a consumer project (test/contract/seed-project.ts:
 *   tessera resolves to the BUILT package) with its framework linked, and compiled by strict tsc
 *   to CommonJS (decorators for LoopBack, as its projects compile).
 * - The sample builds its app at the top of its module and exports nothing (`let fastify =
 *   Fastify()`, `let server = Hapi.server({ port: 8000 })`, `let router = new KoaRouter()`, an
 *   unexported LoopBack controller), and its handler is `//....`, where the app would answer. So
 *   while its module is loaded, the framework's entry is replaced in `require.cache` by one that
 *   records what the sample builds and wraps the handler it registers: the wrapper notes that
 *   the handler ran and with which session, and answers 200 `{ userId }` when the handler left
 *   the response to the app. Nothing of the sample's route, options or `verifySession` changes,
 *   except that Hapi's server listens on 127.0.0.1 and a free port instead of 8000.
 * - The test then mounts tessera (plugin / middleware) as an app would, starts the real server
 *   on 127.0.0.1, and checks what the seed says: no session → 401; claim false → 403 with the exact
 *   invalid-claim body (the handler does not run); claim true → the handler runs (200).
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire, Module } from "node:module";
import { join, resolve, sep } from "node:path";
import { expect } from "vitest";
import { createSeedProject, packageRoot, repoRoot, tscBin } from "../contract/seed-project.js";
import { sampleFile } from "./nestjs.seed-project.js";

export const INVALID_CLAIM_BODY = {
  message: "invalid claim",
  claimValidationErrors: [{ id: "2fa-completed", reason: { message: "wrong value", expectedValue: true, actualValue: false } }],
};

/** The framework packages each sample imports (their @types come with the seed project's @types link). */
const LINKS = { "fastify.ts": ["fastify"], "hapi.ts": ["@hapi"], "koa.ts": ["koa", "koa-router"], "loopback.ts": ["@loopback"] } as const;
export type SampleFile = keyof typeof LINKS;

export interface SampleProject {
  /** `require` as the consumer project resolves (tessera → the built package, the framework → the workspace's). */
  load: NodeRequire;
  /** The compiled sample (CommonJS). */
  compiled: string;
  remove(): void;
}

/** Builds the package when dist lacks either build of these adapters. */
export function ensureBuiltAdapters(): void {
  const needed = ["esm", "cjs"].flatMap((kind) => ["fastify", "hapi", "koa", "loopback"].map((name) => join(packageRoot, "dist", kind, "recipe", "session", "framework", `${name}.js`)));
  if (needed.every((file) => existsSync(file))) return;
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const result = spawnSync(npm, ["run", "build", "-w", "tessera"], { cwd: repoRoot, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`npm run build -w tessera failed:\n${result.stdout}\n${result.stderr}`);
}

/**
 * The sample (and second-factor-claim.ts, which it imports) compiled by strict tsc to CommonJS.
 * Fails on any diagnostic outside a third-party package's own declarations (@hapi/hapi's name
 * `joi`, LoopBack's the global `EventEmitter`: the installs', not the sample's nor tessera's).
 */
export function compileSample(file: SampleFile): SampleProject {
  const project = createSeedProject();
  copyFileSync(sampleFile(file), join(project.srcDir, file));
  for (const name of LINKS[file]) {
    const link = join(project.dir, "node_modules", name);
    if (!existsSync(link)) symlinkSync(join(repoRoot, "node_modules", name), link, "junction");
  }
  const decorators = file === "loopback.ts" ? { experimentalDecorators: true, emitDecoratorMetadata: true } : {};
  const tsconfig = {
    compilerOptions: { strict: true, target: "ES2022", types: ["node"], module: "commonjs", moduleResolution: "node10", esModuleInterop: true, outDir: "out", rootDir: "src", ...decorators },
    files: [`src/${file}`],
  };
  writeFileSync(join(project.dir, "tsconfig.emit.json"), JSON.stringify(tsconfig, null, 2));
  const result = spawnSync(process.execPath, [tscBin, "-p", join(project.dir, "tsconfig.emit.json"), "--pretty", "false"], { cwd: project.dir, encoding: "utf8" });
  const output = `${result.stdout}${result.stderr}`;
  const ours = output.split("\n").filter((line) => {
    if (!/error TS\d+/.test(line)) return false;
    const at = /^(.+?)\(\d+,\d+\): error/.exec(line)?.[1];
    if (!at) return true;
    const path = resolve(project.dir, at);
    return !path.includes(`${sep}node_modules${sep}`) || path.includes(`${sep}node_modules${sep}tessera${sep}`);
  });
  const compiled = join(project.dir, "out", file.replace(/\.ts$/, ".js"));
  if (ours.length > 0 || !existsSync(compiled)) {
    project.remove();
    throw new Error(`tsc rejected the seed sample ${file} (exit ${result.status}):\n${output}`);
  }
  return { load: createRequire(join(project.dir, "consumer.cjs")), compiled, remove: project.remove };
}

/**
 * Loads the compiled sample with `replacements[name](real)` standing in for each named package
 * while its module runs, then puts the real packages back for everyone else.
 */
export function loadSample(project: SampleProject, replacements: Record<string, (real: never) => unknown>): void {
  const cache = project.load.cache;
  const saved: Array<[string, NodeJS.Module | undefined]> = [];
  try {
    for (const [name, replace] of Object.entries(replacements)) {
      const path = project.load.resolve(name);
      const real: unknown = project.load(name);
      saved.push([path, cache[path]]);
      const stand = new Module(path);
      stand.filename = path;
      stand.loaded = true;
      stand.exports = replace(real as never);
      cache[path] = stand;
    }
    project.load(project.compiled);
  } finally {
    for (const [path, module] of saved) {
      if (module) cache[path] = module;
      else delete cache[path];
    }
  }
}

/** What the sample's handler saw each time it ran: the session's user (null when none). */
export type HandlerCalls = Array<string | null>;

export interface Tessera {
  init(config: unknown): void;
  reset(): Promise<void>;
}

interface Container {
  getUserId(): string;
  setClaimValue(claim: unknown, value: unknown): Promise<void>;
  getAllSessionTokensDangerously(): { accessToken: string };
}

/** tessera from the built package (the instance the sample's imports use), initialised for `framework`. */
export function initTessera(project: SampleProject, framework: string) {
  const tessera = project.load("tessera").default as Tessera;
  const Session = project.load("tessera/recipe/session").default as { init(): unknown; createNewSessionWithoutRequestResponse(tenantId: string, userId: string): Promise<Container> };
  tessera.init({
    framework,
    appInfo: { appName: `Seed ${framework}`, apiDomain: "http://127.0.0.1", websiteDomain: "http://127.0.0.1", apiBasePath: "/auth" },
    database: "sqlite::memory:",
    recipeList: [Session.init()],
  });
  const SecondFactorClaim = (project.load(join(project.compiled, "..", "second-factor-claim.js")) as { SecondFactorClaim: unknown }).SecondFactorClaim;
  return { tessera, createSession: (userId: string) => Session.createNewSessionWithoutRequestResponse("public", userId), SecondFactorClaim };
}

/**
 * The seed's behaviour, through the real server at `url`, for POST /like-comment in cookie or
 * header mode: 401 without a session; 403 with the exact body while the claim is false (and the
 * handler does not run); once the claim is true, 200 from the handler, which saw the session.
 */
export async function checkSeedBehaviour(url: string, mode: "cookie" | "header", calls: HandlerCalls, tools: ReturnType<typeof initTessera>): Promise<void> {
  const post = async (token?: string) => {
    const headers: Record<string, string> = { "st-auth-mode": mode };
    if (token) headers[mode === "cookie" ? "cookie" : "authorization"] = mode === "cookie" ? `sAccessToken=${encodeURIComponent(token)}` : `Bearer ${token}`;
    const res = await fetch(`${url}/like-comment`, { method: "POST", headers });
    const text = await res.text();
    return { status: res.status, text, body: text === "" ? undefined : (JSON.parse(text) as unknown) };
  };
  const before = calls.length;
  const anonymous = await post();
  expect(anonymous.status, anonymous.text).toBe(401);
  expect(anonymous.body).toStrictEqual({ message: "unauthorised" });

  const userId = `seed-${mode}-user`;
  const session = await tools.createSession(userId);
  const refused = await post(session.getAllSessionTokensDangerously().accessToken);
  expect(refused.status, refused.text).toBe(403);
  expect(refused.text).toBe(JSON.stringify(INVALID_CLAIM_BODY));
  expect(calls.length, "the handler does not run without a session or with the claim false").toBe(before);

  await session.setClaimValue(tools.SecondFactorClaim, true);
  const allowed = await post(session.getAllSessionTokensDangerously().accessToken);
  expect(allowed.status, allowed.text).toBe(200);
  expect(allowed.body).toStrictEqual({ userId });
  expect(calls.slice(before)).toEqual([userId]);
}

/**
 * Contract: the seed's Fastify, Hapi and Koa samples (with second-factor-claim.ts, which they
 * import) compile under strict tsc, unchanged, against the BUILT package as a consumer installs
 * it: as a CommonJS project (node10 resolution, so through `typesVersions`) and as an ESM project
 * (Bundler resolution, through the `exports` map's "import" condition). The project comes from
 * test/contract/seed-project.ts; its node_modules additionally links fastify, @hapi/*, koa and
 * koa-router (their @types come with the shared @types link).
 *
 * No `verbatimModuleSyntax` / `isolatedModules`: the samples import the types `SessionRequest` and
 * `SessionContext` without `type`, as the seed wrote them.
 *
 * No `skipLibCheck` either, so tessera's own declarations are checked too. Errors inside a THIRD-PARTY
 * package's declarations are tolerated (they are the install's, not the samples' or ours): with this
 * repo's installs, @hapi/hapi's types import `joi` (not a dependency of hapi, not installed) and
 * @types/koa names `contentDisposition.Options`, which the installed content-disposition@2's own
 * types lack. Every other diagnostic — in a sample or in tessera's dist — fails the test.
 */
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join, resolve, sep } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSeedProject, ensureBuilt, packageRoot, repoRoot, runTsc, type SeedProject, type TscResult } from "../contract/seed-project.js";

/** The shared seed folder, found relative to the repo (never an absolute path of one machine). */
const sharedDir = resolve(repoRoot, "..", "shared", "seed", "samples");
// Without the shared folder (a clone on its own), the byte-identical copies committed beside the contract test.
const samplesDir = existsSync(sharedDir) ? sharedDir : resolve(repoRoot, "packages", "tessera", "test", "contract", "seed");
const SAMPLES = ["second-factor-claim.ts", "fastify.ts", "hapi.ts", "koa.ts"];
const FRAMEWORK_PACKAGES = ["fastify", "@hapi", "koa", "koa-router"];
const FRAMEWORKS = ["fastify", "hapi", "koa"] as const;
const present = SAMPLES.every((file) => existsSync(join(samplesDir, file)));

/** A seed project holding exactly the four samples, byte for byte, with the framework packages linked. */
function createFrameworkProject(packageJson: Record<string, unknown> = {}): SeedProject {
  const project = createSeedProject(packageJson);
  for (const file of readdirSync(project.srcDir)) rmSync(join(project.srcDir, file));
  for (const file of SAMPLES) copyFileSync(join(samplesDir, file), join(project.srcDir, file));
  for (const name of FRAMEWORK_PACKAGES) {
    const link = join(project.dir, "node_modules", name);
    if (!existsSync(link)) symlinkSync(join(repoRoot, "node_modules", name), link, "junction");
  }
  return project;
}

/** Fails on any tsc diagnostic that is not inside a third-party package's declarations (see the header). */
function assertSamplesCompile(label: string, project: SeedProject, result: TscResult): void {
  const diagnostics = result.output.split("\n").filter((line) => /error TS\d+/.test(line));
  const ours = diagnostics.filter((line) => {
    const file = /^(.+?)\(\d+,\d+\): error/.exec(line)?.[1];
    if (!file) return true;
    const path = resolve(project.dir, file);
    return !path.includes(`${sep}node_modules${sep}`) || path.startsWith(packageRoot + sep) || path.includes(`${sep}node_modules${sep}tessera${sep}`);
  });
  if (ours.length > 0 || (result.status !== 0 && diagnostics.length === 0)) {
    throw new Error(`tsc (${label}) rejected the seed samples (exit ${result.status}):\n${result.output}`);
  }
}

beforeAll(() => {
  if (present) ensureBuilt();
}, 300_000);

describe.skipIf(!present)("the Fastify, Hapi and Koa seed samples compile under strict tsc, unchanged", () => {
  const projects: SeedProject[] = [];
  afterAll(() => projects.forEach((p) => p.remove()));

  it("copies the samples byte for byte", () => {
    const project = createFrameworkProject();
    projects.push(project);
    for (const file of SAMPLES) expect(readFileSync(join(project.srcDir, file)).equals(readFileSync(join(samplesDir, file))), file).toBe(true);
    expect(readdirSync(project.srcDir).sort()).toEqual([...SAMPLES].sort());
  });

  it("as CommonJS (module commonjs, moduleResolution node10, esModuleInterop: typesVersions)", () => {
    const project = createFrameworkProject();
    projects.push(project);
    assertSamplesCompile("CommonJS, node10", project, runTsc(project, { module: "commonjs", moduleResolution: "node10", esModuleInterop: true, noEmit: true }));
  }, 120_000);

  it("as ESM (type: module; module ESNext, moduleResolution Bundler: the exports map)", () => {
    const project = createFrameworkProject({ type: "module" });
    projects.push(project);
    assertSamplesCompile("ESM, Bundler", project, runTsc(project, { module: "ESNext", moduleResolution: "Bundler", esModuleInterop: true, noEmit: true }));
  }, 120_000);
});

describe("the built Fastify, Hapi and Koa subpaths", () => {
  let project: SeedProject;
  beforeAll(() => {
    ensureBuilt();
    project = createSeedProject();
  }, 300_000);
  afterAll(() => project?.remove());

  const subpaths = FRAMEWORKS.flatMap((name) => [`tessera/framework/${name}`, `tessera/recipe/session/framework/${name}`]);
  const run = (file: string, source: string) => {
    writeFileSync(join(project.dir, file), source);
    const result = spawnSync(process.execPath, [file], { cwd: project.dir, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`node ${file} failed:\n${result.stdout}${result.stderr}`);
    return JSON.parse(result.stdout) as Record<string, { file: string; keys: string[] }>;
  };
  const expectExports = (out: Record<string, { file: string; keys: string[] }>, kind: RegExp) => {
    for (const id of subpaths) expect(out[id]!.file, id).toMatch(kind);
    expect(out["tessera/framework/fastify"]!.keys).toEqual(expect.arrayContaining(["plugin", "errorHandler", "verifySession"]));
    expect(out["tessera/framework/hapi"]!.keys).toEqual(expect.arrayContaining(["plugin", "verifySession"]));
    expect(out["tessera/framework/koa"]!.keys).toEqual(expect.arrayContaining(["middleware", "verifySession"]));
    for (const name of FRAMEWORKS) expect(out[`tessera/recipe/session/framework/${name}`]!.keys, name).toEqual(["verifySession"]);
  };

  it("load with require() from dist/cjs", () => {
    const out = run(
      "check.cjs",
      `const out = {};
for (const id of ${JSON.stringify(subpaths)}) out[id] = { file: require.resolve(id), keys: Object.keys(require(id)).filter((k) => k !== "__esModule") };
process.stdout.write(JSON.stringify(out));`,
    );
    expectExports(out, /[\\/]dist[\\/]cjs[\\/]/);
  });

  it("load with import() from dist/esm", () => {
    const out = run(
      "check.mjs",
      `const out = {};
for (const id of ${JSON.stringify(subpaths)}) out[id] = { file: import.meta.resolve(id), keys: Object.keys(await import(id)) };
process.stdout.write(JSON.stringify(out));`,
    );
    expectExports(out, /\/dist\/esm\//);
  });

  // Framework packages are development dependencies only: the adapters use them as types.
  it.each(FRAMEWORKS)("never load the %s package at runtime", (name) => {
    const pkg = name === "hapi" ? "@hapi/hapi" : name;
    for (const kind of ["cjs", "esm"]) {
      const source = readFileSync(join(packageRoot, "dist", kind, "framework", name, "index.js"), "utf8");
      expect(source, `dist/${kind}/framework/${name}`).not.toMatch(new RegExp(`(require\\(|from |import\\()["']${pkg.replace("/", "\\/")}["']`));
    }
  });
});

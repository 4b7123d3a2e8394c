/**
 * Contract: the seed's nextjs.ts (with the second-factor-claim.ts it imports) compiles unchanged
 * under strict tsc against the built package, as a CommonJS project (node10) and as an ESM one
 * (Bundler), in a throwaway consumer project (test/contract/seed-project.ts). And `tessera/nextjs`
 * loads from both `require` and `import`, importing nothing of Next.js (a dev dependency only).
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertCompiles, createSeedProject, ensureBuilt, packageRoot, runTsc, sharedSamplesDir, type SeedProject } from "../contract/seed-project.js";
import { fixtureDir } from "./nextjs-harness.js";

const FILES = ["second-factor-claim.ts", "nextjs.ts"];
/** The shared seed when it is next to the repo; else the fixture app's byte-identical copy. */
const from = existsSync(join(sharedSamplesDir, "nextjs.ts")) ? sharedSamplesDir : join(fixtureDir, "seed");

/** A consumer project holding exactly the two files, copied byte for byte. */
function nextjsProject(packageJson: Record<string, unknown> = {}): SeedProject {
  const project = createSeedProject(packageJson);
  for (const file of ["express.ts", "global-validators.ts"]) rmSync(join(project.srcDir, file), { force: true });
  for (const file of FILES) copyFileSync(join(from, file), join(project.srcDir, file));
  return project;
}

beforeAll(() => ensureBuilt(), 300_000);

describe("seed nextjs.ts compiles under strict tsc, unchanged", () => {
  const projects: SeedProject[] = [];
  afterAll(() => projects.forEach((p) => p.remove()));

  it("as CommonJS (module commonjs, moduleResolution node10)", () => {
    const project = nextjsProject();
    projects.push(project);
    assertCompiles("CommonJS, node10", runTsc(project, { module: "commonjs", moduleResolution: "node10", esModuleInterop: true, noEmit: true }));
  }, 120_000);

  it("as ESM (type: module; module ESNext, moduleResolution Bundler)", () => {
    const project = nextjsProject({ type: "module" });
    projects.push(project);
    assertCompiles("ESM, Bundler", runTsc(project, { module: "ESNext", moduleResolution: "Bundler", esModuleInterop: true, noEmit: true }));
  }, 120_000);

  it("and the wrapper is typed, not any: a middleware that returns no promise is refused", () => {
    const project = nextjsProject();
    projects.push(project);
    rmSync(join(project.srcDir, "nextjs.ts"));
    writeFileSync(
      join(project.srcDir, "misuse.ts"),
      'import { superTokensNextWrapper } from "tessera/nextjs";\nexport const x = superTokensNextWrapper((next) => next(), {}, {});\n',
    );
    const result = runTsc(project, { module: "commonjs", moduleResolution: "node10", esModuleInterop: true, noEmit: true });
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/misuse\.ts\(2,\d+\): error TS2322: Type 'void' is not assignable to type 'Promise<unknown>'/);
  }, 120_000);
});

describe("tessera/nextjs loads from both module systems, without Next.js", () => {
  let project: SeedProject;
  beforeAll(() => {
    project = createSeedProject();
  });
  afterAll(() => project?.remove());

  const EXPORTS = ["getAppDirRequestHandler", "getSSRSession", "superTokensNextWrapper", "withPreParsedRequestResponse", "withSession"];
  const run = (file: string, source: string) => {
    writeFileSync(join(project.dir, file), source);
    const result = spawnSync(process.execPath, [file], { cwd: project.dir, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`node ${file} failed:\n${result.stdout}${result.stderr}`);
    return JSON.parse(result.stdout) as { file: string; keys: string[]; next: boolean };
  };
  const probeNext = `(() => { try { require.resolve("next"); return true; } catch { return false; } })()`;

  it("imports no Next.js (nor React) module: only node builtins and tessera's own files", () => {
    for (const kind of ["cjs", "esm"]) {
      for (const file of ["index.js", "fetch.js"]) {
        const source = readFileSync(join(packageRoot, "dist", kind, "nextjs", file), "utf8");
        // Statements only (line-initial import/export ... from, require calls): the TSDoc examples mention "tessera/nextjs".
        const specifiers = [...source.matchAll(/^(?:import|export)\b[^;]*?from\s+"([^"]+)"|\brequire\("([^"]+)"\)/gm)].map((m) => (m[1] ?? m[2])!);
        expect(specifiers.length, `${kind}/${file}`).toBeGreaterThan(0);
        for (const specifier of specifiers) expect(specifier, `${kind}/${file}`).toMatch(/^(\.{1,2}\/|node:)/);
      }
    }
  });

  it('require("tessera/nextjs") gives dist/cjs', () => {
    const out = run("check.cjs", `const m = require("tessera/nextjs");
process.stdout.write(JSON.stringify({ file: require.resolve("tessera/nextjs"), keys: Object.keys(m).sort(), next: ${probeNext} }));`);
    expect(out.next, "the consumer project must not see next").toBe(false);
    expect(out.file).toMatch(/[\\/]dist[\\/]cjs[\\/]nextjs[\\/]index\.js$/);
    expect(out.keys).toStrictEqual(EXPORTS);
  });

  it('import("tessera/nextjs") gives dist/esm', () => {
    const out = run("check.mjs", `import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const m = await import("tessera/nextjs");
process.stdout.write(JSON.stringify({ file: import.meta.resolve("tessera/nextjs"), keys: Object.keys(m).sort(), next: ${probeNext} }));`);
    expect(out.next, "the consumer project must not see next").toBe(false);
    expect(out.file).toMatch(/\/dist\/esm\/nextjs\/index\.js$/);
    expect(out.keys).toStrictEqual(EXPORTS);
  });
});

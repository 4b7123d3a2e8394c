/**
 * Contract: the seed's samples (second-factor-claim.ts, global-validators.ts, express.ts) compile
 * under strict tsc, unchanged, against the built package as a consumer installs it: once as a
 * CommonJS project and once as an ESM project. And the package's subpaths load at runtime from
 * both `require` and `import`.
 *
 * No `verbatimModuleSyntax` / `isolatedModules`: express.ts imports the type `SessionRequest`
 * without `type`, as the seed wrote it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertCompiles,
  committedSamplesDir,
  createSeedProject,
  ensureBuilt,
  readSample,
  runTsc,
  SAMPLE_FILES,
  sharedSamplesDir,
  type SeedProject,
} from "./seed-project.js";

/** Every subpath the three samples import. */
const SUBPATHS = ["tessera/recipe/session", "tessera/recipe/session/claims", "tessera/recipe/session/framework/express", "tessera/framework/express"];

beforeAll(() => ensureBuilt(), 300_000);

describe("seed samples: the committed copy", () => {
  it.skipIf(!existsSync(sharedSamplesDir))("is byte-identical to the shared seed folder", () => {
    for (const file of SAMPLE_FILES) {
      expect(readSample(committedSamplesDir, file).equals(readSample(sharedSamplesDir, file)), `${file} differs from ${sharedSamplesDir}`).toBe(true);
    }
  });
});

describe("seed samples compile under strict tsc, unchanged", () => {
  const projects: SeedProject[] = [];
  afterAll(() => projects.forEach((p) => p.remove()));

  it("as CommonJS (module commonjs, moduleResolution node10, esModuleInterop)", () => {
    const project = createSeedProject();
    projects.push(project);
    const result = runTsc(project, { module: "commonjs", moduleResolution: "node10", esModuleInterop: true, noEmit: true });
    assertCompiles("CommonJS, node10", result);
  }, 120_000);

  // ESM: module NodeNext rejects the samples' extensionless relative import ("./second-factor-claim",
  // TS2835), which the seed wrote for bundlers. So the ESM project is checked with module ESNext +
  // moduleResolution Bundler (imports resolve through the exports map's "import" condition, i.e.
  // dist/esm's declarations), and the NodeNext test below pins that TS2835 is the only complaint.
  it("as ESM (type: module; module ESNext, moduleResolution Bundler)", () => {
    const project = createSeedProject({ type: "module" });
    projects.push(project);
    const result = runTsc(project, { module: "ESNext", moduleResolution: "Bundler", esModuleInterop: true, noEmit: true });
    assertCompiles("ESM, Bundler", result);
  }, 120_000);

  it("as ESM under module NodeNext: only the samples' own extensionless relative imports are refused", () => {
    const project = createSeedProject({ type: "module" });
    projects.push(project);
    const result = runTsc(project, { module: "NodeNext", moduleResolution: "NodeNext", esModuleInterop: true, noEmit: true });
    const errors = result.output.split("\n").filter((line) => /error TS\d+/.test(line));
    const others = errors.filter((line) => !(line.includes("error TS2835") && line.includes("'./second-factor-claim.js'")));
    if (others.length > 0) throw new Error(`tsc (ESM, NodeNext) rejected more than the relative imports:\n${result.output}`);
  }, 120_000);
});

describe("the built package loads from both module systems", () => {
  let project: SeedProject;
  beforeAll(() => {
    project = createSeedProject();
  });
  afterAll(() => project?.remove());

  const run = (file: string, source: string) => {
    writeFileSync(join(project.dir, file), source);
    const result = spawnSync(process.execPath, [file], { cwd: project.dir, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`node ${file} failed:\n${result.stdout}${result.stderr}`);
    return JSON.parse(result.stdout) as Record<string, { file: string; init?: string; keys: string[] }>;
  };

  it('require("tessera/recipe/session") gives dist/cjs with a default export that has init', () => {
    const out = run(
      "check.cjs",
      `const out = {};
for (const id of ${JSON.stringify(SUBPATHS)}) {
  const m = require(id);
  out[id] = { file: require.resolve(id), init: typeof (m.default && m.default.init), keys: Object.keys(m) };
}
process.stdout.write(JSON.stringify(out));`,
    );
    for (const id of SUBPATHS) expect(out[id]!.file, id).toMatch(/[\\/]dist[\\/]cjs[\\/]/);
    expect(out["tessera/recipe/session"]!.init).toBe("function");
    expect(out["tessera/recipe/session/claims"]!.keys).toContain("BooleanClaim");
    expect(out["tessera/recipe/session/framework/express"]!.keys).toContain("verifySession");
  });

  it('import("tessera/recipe/session") gives dist/esm with a default export that has init', () => {
    const out = run(
      "check.mjs",
      `const out = {};
for (const id of ${JSON.stringify(SUBPATHS)}) {
  const m = await import(id);
  out[id] = { file: import.meta.resolve(id), init: typeof (m.default && m.default.init), keys: Object.keys(m) };
}
process.stdout.write(JSON.stringify(out));`,
    );
    for (const id of SUBPATHS) expect(out[id]!.file, id).toMatch(/\/dist\/esm\//);
    expect(out["tessera/recipe/session"]!.init).toBe("function");
    expect(out["tessera/recipe/session/claims"]!.keys).toContain("BooleanClaim");
    expect(out["tessera/recipe/session/framework/express"]!.keys).toContain("verifySession");
  });
});

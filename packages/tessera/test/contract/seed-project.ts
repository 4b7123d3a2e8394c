/**
 * The seed's contract samples as a consumer would hold them: a throwaway project directory whose
 * `node_modules` resolves `tessera` to this repo's built package (a symlink to packages/tessera, so
 * its `exports` map and dist/esm + dist/cjs are what get used) and `express` / `@types/*` to the
 * repo's own installs. The sample files are copied into it byte for byte; nothing in them changes.
 *
 * Used by seed-compile.test.ts (type-checks them) and seed-behaviour.test.ts (runs them).
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
/** packages/tessera/test/contract → the workspace root. */
export const repoRoot = resolve(here, "..", "..", "..", "..");
export const packageRoot = resolve(repoRoot, "packages", "tessera");
/** The shared seed folder, next to the repo (never an absolute path of one machine). */
export const sharedSamplesDir = resolve(repoRoot, "..", "shared", "seed", "samples");
/** A byte-identical copy committed with the tests, used when the shared folder is not there. */
export const committedSamplesDir = join(here, "seed");
/** The samples this contract covers. */
export const SAMPLE_FILES = ["second-factor-claim.ts", "global-validators.ts", "express.ts"] as const;

export const tscBin = join(repoRoot, "node_modules", "typescript", "bin", "tsc");

export function samplesDir(): string {
  return existsSync(join(sharedSamplesDir, SAMPLE_FILES[0])) ? sharedSamplesDir : committedSamplesDir;
}

/** Builds dist (from the repo root, as `npm test` does first) only when it is missing. */
export function ensureBuilt(): void {
  const needed = ["esm", "cjs"].map((kind) => join(packageRoot, "dist", kind, "recipe", "session", "index.js"));
  if (needed.every((file) => existsSync(file))) return;
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const result = spawnSync(npm, ["run", "build"], { cwd: repoRoot, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}\n${result.stderr}`);
}

export interface SeedProject {
  dir: string;
  /** Where the samples are copied (verbatim). */
  srcDir: string;
  remove(): void;
}

/**
 * A project directory holding the samples in src/ and a node_modules that resolves
 * tessera → packages/tessera, express → the repo's express, @types → the repo's @types.
 * `packageJson` is written as the project's package.json (e.g. `{ type: "module" }`).
 */
export function createSeedProject(packageJson: Record<string, unknown> = {}): SeedProject {
  const dir = mkdtempSync(join(tmpdir(), "tessera-seed-"));
  const srcDir = join(dir, "src");
  mkdirSync(srcDir);
  const modules = join(dir, "node_modules");
  mkdirSync(modules);
  // "junction" only matters on Windows; elsewhere these are ordinary directory symlinks.
  symlinkSync(packageRoot, join(modules, "tessera"), "junction");
  symlinkSync(join(repoRoot, "node_modules", "express"), join(modules, "express"), "junction");
  symlinkSync(join(repoRoot, "node_modules", "@types"), join(modules, "@types"), "junction");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "seed-consumer", private: true, ...packageJson }, null, 2) + "\n");
  const from = samplesDir();
  for (const file of SAMPLE_FILES) copyFileSync(join(from, file), join(srcDir, file));
  return { dir, srcDir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TscResult {
  status: number | null;
  output: string;
}

/** Writes tsconfig.json into the project and runs the repo's tsc on it. */
export function runTsc(project: SeedProject, compilerOptions: Record<string, unknown>): TscResult {
  const tsconfig = {
    compilerOptions: {
      strict: true,
      target: "ES2022",
      // Only Node's types are ambient; express's come from its import like in any project.
      types: ["node"],
      ...compilerOptions,
    },
    include: ["src"],
  };
  writeFileSync(join(project.dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2) + "\n");
  const result = spawnSync(process.execPath, [tscBin, "-p", join(project.dir, "tsconfig.json"), "--pretty", "false"], {
    cwd: project.dir,
    encoding: "utf8",
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

/** Throws with tsc's own output, so a failing test shows exactly what did not compile. */
export function assertCompiles(label: string, result: TscResult): void {
  if (result.status !== 0) throw new Error(`tsc (${label}) rejected the seed samples (exit ${result.status}):\n${result.output}`);
}

export function readSample(dir: string, file: string): Buffer {
  return readFileSync(join(dir, file));
}

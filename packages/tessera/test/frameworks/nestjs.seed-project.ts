/**
 * The seed's AWS Lambda, LoopBack and NestJS samples as a consumer project (built on
 * test/contract/seed-project.ts): the samples copied byte for byte, the NestJS sample's
 * `./auth/auth.guard` written as the two lines docs/nestjs.md shows, and node_modules resolving
 * tessera to the built package and the frameworks to the workspace's installs.
 * Shared by seed-samples-2.compile.test.ts and the NestJS / Lambda sample tests (it lives under
 * the nestjs.* name only because of the file scope of the change that added it).
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { committedSamplesDir, createSeedProject, packageRoot, repoRoot, sharedSamplesDir, tscBin, type SeedProject } from "../contract/seed-project.js";

export const SAMPLES_2 = ["aws-lambda.ts", "loopback.ts", "nestjs.ts"] as const;

/** The application's `src/auth/auth.guard.ts`: two lines re-exporting tessera's guard. */
export const AUTH_GUARD_SOURCE = `// The application's guard is tessera's (docs/nestjs.md).\nexport { AuthGuard } from "tessera/framework/nestjs";\n`;

/** LoopBack and NestJS are written with TypeScript's decorators, as their projects compile them. */
export const DECORATOR_OPTIONS = { experimentalDecorators: true, emitDecoratorMetadata: true } as const;

/** The shared seed folder (`../shared/seed/samples` next to the repo), else the committed copy if it holds the file. */
export function sampleFile(file: string): string {
  for (const dir of [sharedSamplesDir, committedSamplesDir]) if (existsSync(join(dir, file))) return join(dir, file);
  throw new Error(`seed sample ${file} not found in ${sharedSamplesDir} (nor in ${committedSamplesDir})`);
}

/** Builds the package when dist lacks any of these adapters (a dist from before them, or none). */
export function ensureBuiltWithFrameworks(): void {
  const needed = ["esm", "cjs"].flatMap((kind) => ["framework/awsLambda/index.js", "framework/loopback/index.js", "framework/nestjs/index.js", "recipe/session/framework/loopback.js", "recipe/session/framework/awsLambda.js"].map((f) => join(packageRoot, "dist", kind, f)));
  if (needed.every((file) => existsSync(file))) return;
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const result = spawnSync(npm, ["run", "build", "-w", "tessera"], { cwd: repoRoot, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}\n${result.stderr}`);
}

export function createSamples2Project(packageJson: Record<string, unknown> = {}): SeedProject {
  const project = createSeedProject(packageJson);
  for (const file of SAMPLES_2) copyFileSync(sampleFile(file), join(project.srcDir, file));
  mkdirSync(join(project.srcDir, "auth"));
  writeFileSync(join(project.srcDir, "auth", "auth.guard.ts"), AUTH_GUARD_SOURCE);
  for (const dependency of ["@loopback", "@nestjs", "reflect-metadata", "rxjs"]) {
    symlinkSync(join(repoRoot, "node_modules", dependency), join(project.dir, "node_modules", dependency), "junction");
  }
  return project;
}

/**
 * Compiles the given samples (and what they import) to CommonJS in `<project>/out`, with strict tsc
 * and decorators, and returns that folder. Fails on any error outside LoopBack's own declarations.
 */
export function emitSamples(project: SeedProject, files: readonly string[]): string {
  const tsconfig = {
    compilerOptions: { strict: true, target: "ES2022", types: ["node"], module: "commonjs", moduleResolution: "node10", esModuleInterop: true, outDir: "out", rootDir: "src", ...DECORATOR_OPTIONS },
    files: files.map((file) => `src/${file}`),
  };
  writeFileSync(join(project.dir, "tsconfig.emit.json"), JSON.stringify(tsconfig, null, 2));
  const result = spawnSync(process.execPath, [tscBin, "-p", join(project.dir, "tsconfig.emit.json"), "--pretty", "false"], { cwd: project.dir, encoding: "utf8" });
  const errors = `${result.stdout}${result.stderr}`.split("\n").filter((line) => /error TS\d+/.test(line) && !line.includes("@loopback"));
  if (result.status !== 0 && errors.length > 0) throw new Error(`tsc rejected ${files.join(", ")}:\n${errors.join("\n")}`);
  return join(project.dir, "out");
}

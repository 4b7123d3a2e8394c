/**
 * Contract: the seed's AWS Lambda, LoopBack and NestJS samples (with second-factor-claim.ts, and
 * the NestJS sample's `./auth/auth.guard` as two lines re-exporting tessera's guard) compile under
 * strict tsc, unchanged, against the built package: as a CommonJS project (node10 resolution, so
 * through `typesVersions`) and as an ESM project (Bundler resolution, through `exports`).
 * experimentalDecorators + emitDecoratorMetadata, as LoopBack and NestJS projects are compiled.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTsc, type SeedProject, type TscResult } from "../contract/seed-project.js";
import { AUTH_GUARD_SOURCE, createSamples2Project, DECORATOR_OPTIONS, ensureBuiltWithFrameworks, SAMPLES_2, sampleFile } from "./nestjs.seed-project.js";

beforeAll(() => ensureBuiltWithFrameworks(), 300_000);

/**
 * LoopBack's own declarations name the global `EventEmitter` without importing it (TS2304 in
 * @loopback/express and @loopback/repository, whatever the project); LoopBack's projects compile
 * with skipLibCheck. Rather than skip every library check (ours included), exactly those
 * errors are tolerated; any other error anywhere fails.
 */
const LOOPBACK_OWN_ERROR = /node_modules[\\/]@loopback[\\/][^(]+\.d\.ts\(\d+,\d+\): error TS2304: Cannot find name 'EventEmitter'\.$/;

function assertSamplesCompile(label: string, result: TscResult): void {
  const errors = result.output.split("\n").filter((line) => /error TS\d+/.test(line));
  const ours = errors.filter((line) => !LOOPBACK_OWN_ERROR.test(line.trim()));
  if (ours.length > 0 || (result.status !== 0 && errors.length === 0)) throw new Error(`tsc (${label}) rejected the seed samples (exit ${result.status}):\n${result.output}`);
}

describe("seed samples (AWS Lambda, LoopBack, NestJS) compile under strict tsc, unchanged", () => {
  const projects: SeedProject[] = [];
  afterAll(() => projects.forEach((p) => p.remove()));

  it("are copied byte for byte, and the NestJS guard file is two lines", () => {
    const project = createSamples2Project();
    projects.push(project);
    for (const file of SAMPLES_2) expect(readFileSync(join(project.srcDir, file)).equals(readFileSync(sampleFile(file))), file).toBe(true);
    expect(AUTH_GUARD_SOURCE.trimEnd().split("\n")).toHaveLength(2);
  });

  it("as CommonJS (module commonjs, moduleResolution node10: typesVersions)", () => {
    const project = createSamples2Project();
    projects.push(project);
    assertSamplesCompile("CommonJS, node10", runTsc(project, { module: "commonjs", moduleResolution: "node10", esModuleInterop: true, noEmit: true, ...DECORATOR_OPTIONS }));
  }, 240_000);

  it("as ESM (type: module; module ESNext, moduleResolution Bundler: exports)", () => {
    const project = createSamples2Project({ type: "module" });
    projects.push(project);
    assertSamplesCompile("ESM, Bundler", runTsc(project, { module: "ESNext", moduleResolution: "Bundler", esModuleInterop: true, noEmit: true, ...DECORATOR_OPTIONS }));
  }, 240_000);
});

/**
 * Loads a decorated test fixture (LoopBack controllers, NestJS modules) the way its users compile
 * it: TypeScript with experimentalDecorators and emitDecoratorMetadata, which Vitest's own
 * transform does not apply to this package's tests. The fixture is transpiled by TypeScript into a
 * temporary folder whose node_modules is the workspace's, and required natively, so it shares the
 * framework packages (and nothing of tessera: fixtures take tessera's values as parameters, so
 * they run on the same instance the test initialised). Used by the LoopBack and NestJS tests.
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const here = dirname(fileURLToPath(import.meta.url));
const workspaceModules = resolve(here, "..", "..", "..", "..", "node_modules");

export function loadDecorated<T>(fixture: string): { module: T; remove(): void } {
  const source = readFileSync(join(here, fixture), "utf8");
  const { outputText } = ts.transpileModule(source, {
    fileName: fixture,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      esModuleInterop: true,
    },
  });
  const dir = mkdtempSync(join(tmpdir(), "tessera-decorated-"));
  symlinkSync(workspaceModules, join(dir, "node_modules"), "junction");
  const file = join(dir, basename(fixture).replace(/\.ts$/, ".cjs"));
  writeFileSync(file, outputText);
  return { module: createRequire(import.meta.url)(file) as T, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

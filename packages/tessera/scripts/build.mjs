// Builds the package twice from one source: ESM (dist/esm) and CommonJS (dist/cjs), each with
// declarations, and marks each folder with its module type so Node and TypeScript read it right.
import { execFileSync } from "node:child_process";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = join(root, "..", "..", "node_modules", "typescript", "bin", "tsc");
// Built into a staging folder and swapped in at the end, so that a process reading dist while
// a build runs sees the old or the new output, never a half-empty folder.
const staging = join(root, `dist.staging-${process.pid}`);
rmSync(staging, { recursive: true, force: true });

const builds = [
  { dir: "esm", type: "module", args: [] },
  // verbatimModuleSyntax forbids CommonJS output of ESM syntax, so it is switched off here only.
  { dir: "cjs", type: "commonjs", args: ["--module", "commonjs", "--moduleResolution", "node10", "--verbatimModuleSyntax", "false"] },
];
for (const build of builds) {
  execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.json"), "--outDir", join(staging, build.dir), ...build.args], { stdio: "inherit" });
  mkdirSync(join(staging, build.dir), { recursive: true });
  writeFileSync(join(staging, build.dir, "package.json"), JSON.stringify({ type: build.type }) + "\n");
}
const old = join(root, `dist.old-${process.pid}`);
try {
  renameSync(join(root, "dist"), old);
} catch {
  // no previous build
}
renameSync(staging, join(root, "dist"));
rmSync(old, { recursive: true, force: true });

/**
 * The Next.js fixture app (test/frameworks/nextjs-app): built once with `next build` (skipped while
 * its output is newer than its sources) and served with `next start` on a free loopback port. The
 * app runs tessera.init itself, in the Next.js server process, from the environment given here.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const fixtureDir = join(dirname(fileURLToPath(import.meta.url)), "nextjs-app");
const requireHere = createRequire(import.meta.url);
const nextBin = requireHere.resolve("next/dist/bin/next");
const buildId = join(fixtureDir, ".next", "BUILD_ID");

/** Offline and quiet: no telemetry, and in CI mode Next.js never tries to install anything. */
const NEXT_ENV = { NEXT_TELEMETRY_DISABLED: "1", CI: "1" };

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === ".next" || entry.name === "node_modules") continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Runs `next build` unless the output is newer than every source of the app and than the installed
 * Next.js. tessera itself is not bundled (the app loads the built package at run time), so a change
 * to tessera needs no rebuild.
 * Returns the build's duration in ms, or 0 when the cached output was used.
 */
export function buildFixture(): number {
  const newest = Math.max(newestSourceMtime(fixtureDir), statSync(requireHere.resolve("next/package.json")).mtimeMs);
  if (existsSync(buildId) && statSync(buildId).mtimeMs > newest) return 0;
  const started = Date.now();
  const result = spawnSync(process.execPath, [nextBin, "build", fixtureDir], {
    cwd: fixtureDir,
    env: { ...process.env, ...NEXT_ENV, NODE_ENV: "production" },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`next build failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  return Date.now() - started;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface NextServer {
  url: string;
  /** Everything the server printed, for failure messages. */
  output(): string;
  close(): Promise<void>;
}

/** `next start` on 127.0.0.1 with the app's FIXTURE_* settings; resolves once it answers HTTP. */
export async function startNext(env: Record<string, string>): Promise<NextServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const child: ChildProcess = spawn(process.execPath, [nextBin, "start", fixtureDir, "-H", "127.0.0.1", "-p", String(port)], {
    cwd: fixtureDir,
    env: { ...process.env, ...NEXT_ENV, NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${output}`);
    try {
      await (await fetch(`${url}/not-a-route`)).arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) {
        await close();
        throw new Error(`next start did not answer within 30 s:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return { url, output: () => output, close };
}

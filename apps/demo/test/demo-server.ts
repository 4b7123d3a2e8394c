/** Starts the real demo (apps/demo/server.mjs) in its own process on a free loopback port, with a fresh SQLite file. */
import { spawn, type ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const demoDir = join(dirname(fileURLToPath(import.meta.url)), "..");

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface DemoServer {
  url: string;
  /** Everything the server printed (the demo prints emailed links here). */
  output(): string;
  stop(): Promise<void>;
}

export async function startDemo(env: Record<string, string> = {}): Promise<DemoServer> {
  if (!existsSync(join(demoDir, "dist", "ui", "index.html"))) execFileSync(process.execPath, [join(demoDir, "build-ui.mjs")], { cwd: demoDir, stdio: "ignore" });
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "tessera-demo-"));
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const child: ChildProcess = spawn(process.execPath, [join(demoDir, "server.mjs")], {
    cwd: demoDir,
    env: { ...process.env, PORT: String(port), API_DOMAIN: url, DATABASE_URL: `sqlite:${join(dataDir, "demo.db")}`, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 20_000;
  while (!output.includes("Tessera demo on")) {
    if (child.exitCode !== null) throw new Error(`demo exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`demo did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise((r) => child.once("exit", r));
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An authenticator app's computation (RFC 6238: HMAC-SHA1, 6 digits, 30 s), written independently of tessera's own. */
export { totpLikeAnAuthenticator } from "./authenticator.js";

/**
 * Scale-out (issue 5): two app processes (scale-app.mjs, each its own Node process with its own
 * pool) on one fresh PostgreSQL database, with a client that sends each request to whichever
 * instance the test names, as a load balancer would. Signing keys rotate every
 * {@link ROTATION_SECONDS} s throughout, so every test also runs across key rotations.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { base32Decode } from "../../src/core/crypto/base32.js";
import { totpCode } from "../../src/core/crypto/otp.js";
import { createTestDatabase, describeSkippedForPostgres, postgresAvailable, type TestDatabase } from "./helpers.js";

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = join(here, "..", "..");
const APP = join(here, "scale-app.mjs");
const ROTATION_SECONDS = 2;
const PASSWORD = "correct-horse-battery-staple-42";

/** The app imports the built package: build it if it is missing (`npm test` builds first anyway). */
function ensureBuilt(): void {
  const entry = join(packageRoot, "dist", "esm", "index.js");
  if (!existsSync(entry)) {
    const result = spawnSync(process.platform === "win32" ? "npm.cmd" : "npm", ["run", "build"], { cwd: join(packageRoot, "..", ".."), encoding: "utf8" });
    if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}\n${result.stderr}`);
    return;
  }
  const newest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
  if (newest(join(packageRoot, "src")) > statSync(entry).mtimeMs) {
    console.warn("multi-process test: dist/ is older than src/; the app processes run the build (run `npm run build`)");
  }
}

interface Instance {
  name: string;
  url: string;
  process: ChildProcess;
  output: string[];
}

async function startInstance(name: string, databaseUrl: string): Promise<Instance> {
  const child = spawn(process.execPath, [APP], {
    cwd: packageRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: "0", API_DOMAIN: "http://127.0.0.1", ROTATION_SECONDS: String(ROTATION_SECONDS) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${output.join("")}`)), 20_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      const match = /LISTENING (\d+)/.exec(chunk.toString());
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once("exit", (code) => reject(new Error(`${name} exited with ${code}: ${output.join("")}`)));
  });
  return { name, url: `http://127.0.0.1:${port}`, process: child, output };
}

async function stopInstance(instance: Instance | undefined): Promise<void> {
  if (!instance || instance.process.exitCode !== null || instance.process.signalCode !== null) return;
  const exited = new Promise((resolve) => instance.process.once("exit", resolve));
  instance.process.kill("SIGTERM");
  await Promise.race([exited, sleep(3_000).then(() => instance.process.kill("SIGKILL"))]);
}

interface Reply {
  status: number;
  body: Record<string, unknown> | undefined;
}

/** A header-mode client (as a mobile app or the SDK in header mode) that can talk to any instance. */
class Agent {
  accessToken: string | undefined;
  refreshToken: string | undefined;

  async request(instance: Instance, method: string, path: string, body?: unknown, useRefreshToken = false): Promise<Reply> {
    const headers: Record<string, string> = { "st-auth-mode": "header", rid: "anti-csrf" };
    const bearer = useRefreshToken ? this.refreshToken : this.accessToken;
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(instance.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const access = response.headers.get("st-access-token");
    const refresh = response.headers.get("st-refresh-token");
    if (access !== null) this.accessToken = access === "" ? undefined : access;
    if (refresh !== null) this.refreshToken = refresh === "" ? undefined : refresh;
    const text = await response.text();
    return { status: response.status, body: text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>) };
  }

  refresh(instance: Instance): Promise<Reply> {
    return this.request(instance, "POST", "/auth/session/refresh", undefined, true);
  }

  /** A copy holding the same tokens: a second tab, or the same token replayed. */
  fork(): Agent {
    const copy = new Agent();
    copy.accessToken = this.accessToken;
    copy.refreshToken = this.refreshToken;
    return copy;
  }

  kid(): string {
    const header = JSON.parse(Buffer.from((this.accessToken ?? "").split(".")[0] ?? "", "base64url").toString()) as { kid: string };
    return header.kid;
  }
}

const form = (email: string) => ({ formFields: [{ id: "email", value: email }, { id: "password", value: PASSWORD }] });
let users = 0;
const newEmail = () => `user-${process.pid}-${++users}-${Date.now()}@example.com`;

async function signUp(instance: Instance): Promise<{ agent: Agent; email: string }> {
  const agent = new Agent();
  const email = newEmail();
  const reply = await agent.request(instance, "POST", "/auth/signup", form(email));
  expect(reply.body?.status).toBe("OK");
  return { agent, email };
}

/** Signs up on `instance` and enrols a TOTP device; returns the seed and the step the enrolment used. */
async function signUpWithTotp(instance: Instance): Promise<{ agent: Agent; email: string; seed: Buffer; usedAtMs: number }> {
  const { agent, email } = await signUp(instance);
  const created = await agent.request(instance, "POST", "/auth/totp/device", { deviceName: "phone" });
  expect(created.body?.status).toBe("OK");
  const seed = base32Decode(created.body?.secret as string);
  const usedAtMs = Date.now();
  const verified = await agent.request(instance, "POST", "/auth/totp/device/verify", { deviceName: "phone", totp: totpCode(seed, usedAtMs) });
  expect(verified.body).toMatchObject({ status: "OK" });
  return { agent, email, seed, usedAtMs };
}

if (await postgresAvailable()) {
  describe("two app processes on one PostgreSQL database", () => {
    let database: TestDatabase;
    let a: Instance;
    let b: Instance;
    const appUrl = () => `${database.url}?pool=4`;

    beforeAll(async () => {
      ensureBuilt();
      database = await createTestDatabase();
      // Both start together: each migrates on its first request, under the advisory lock.
      [a, b] = await Promise.all([startInstance("A", appUrl()), startInstance("B", appUrl())]);
    }, 60_000);
    afterAll(async () => {
      await Promise.all([stopInstance(a), stopInstance(b)]);
      await database?.drop();
    });

    it("verifies, refreshes and revokes on B a session created on A", async () => {
      const { agent } = await signUp(a);
      const onA = await agent.request(a, "GET", "/session");
      const onB = await agent.request(b, "GET", "/session");
      expect(onB.status).toBe(200);
      expect(onB.body?.handle).toBe(onA.body?.handle);
      expect(onB.body?.pid).not.toBe(onA.body?.pid);

      expect((await agent.refresh(b)).status).toBe(200);
      expect((await agent.request(a, "GET", "/session-db")).status).toBe(200);
      const stale = agent.fork();
      expect((await agent.request(b, "POST", "/auth/signout")).status).toBe(200);
      expect((await stale.request(a, "GET", "/session-db")).status).toBe(401);
      expect((await stale.refresh(a)).status).toBe(401);
    });

    it("lets concurrent refreshes of one token, split across A and B, all succeed without a theft alarm", async () => {
      const { agent } = await signUp(a);
      let current = agent;
      for (let round = 0; round < 8; round++) {
        const tabs = [current.fork(), current.fork(), current.fork(), current.fork()];
        const replies = await Promise.all(tabs.map((tab, i) => tab.refresh(i % 2 === 0 ? a : b)));
        expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
        // The client keeps whichever answer it stored last, and carries on with it.
        current = tabs[round % 4] as Agent;
        expect((await current.request(round % 2 === 0 ? b : a, "GET", "/session-db")).status).toBe(200);
      }
    });

    it("accepts one valid TOTP code exactly once when the attempts race on A and B", async () => {
      for (let round = 0; round < 3; round++) {
        const { email, seed, usedAtMs } = await signUpWithTotp(a);
        const agent = new Agent();
        expect((await agent.request(b, "POST", "/auth/signin", form(email))).body?.status).toBe("OK");
        expect((await agent.request(a, "GET", "/protected")).status).toBe(403);
        // The next step's code (inside the ±1 step window), never used: the first use wins.
        const code = totpCode(seed, usedAtMs + 30_000);
        const tabs = [agent.fork(), agent.fork(), agent.fork(), agent.fork()];
        const replies = await Promise.all(tabs.map((tab, i) => tab.request(i % 2 === 0 ? a : b, "POST", "/auth/totp/verify", { totp: code })));
        const statuses = replies.map((r) => r.body?.status);
        expect(statuses.filter((s) => s === "OK")).toHaveLength(1);
        expect(statuses.filter((s) => s === "INVALID_TOTP_ERROR")).toHaveLength(3);
        const winner = tabs[statuses.indexOf("OK")] as Agent;
        expect((await winner.request(b, "GET", "/protected")).status).toBe(200);
      }
    });

    it("counts failed TOTP attempts made on both instances toward one limit", async () => {
      const { email, seed } = await signUpWithTotp(b);
      const agent = new Agent();
      await agent.request(a, "POST", "/auth/signin", form(email));
      const counts: unknown[] = [];
      for (let i = 0; i < 5; i++) {
        const reply = await agent.request(i % 2 === 0 ? a : b, "POST", "/auth/totp/verify", { totp: "000000" });
        counts.push(reply.body?.currentNumberOfFailedAttempts);
      }
      expect(counts).toEqual([1, 2, 3, 4, 5]);
      for (const instance of [a, b]) {
        const locked = await agent.request(instance, "POST", "/auth/totp/verify", { totp: totpCode(seed, Date.now() + 30_000) });
        expect(locked.body?.status).toBe("LIMIT_REACHED_ERROR");
      }
    });

    it("checks exactly the limit's number of a burst of wrong codes split across both instances", async () => {
      const { email } = await signUpWithTotp(a);
      const agent = new Agent();
      await agent.request(b, "POST", "/auth/signin", form(email));
      const replies = await Promise.all(
        [...Array(12)].map((_, i) => agent.fork().request(i % 2 === 0 ? a : b, "POST", "/auth/totp/verify", { totp: "000000" })),
      );
      const evaluated = replies.filter((r) => r.body?.status === "INVALID_TOTP_ERROR").length;
      // Each attempt is counted with a compare-and-set in the database before its code is checked
      // (core/limits.ts), so the two instances together check exactly maxAttempts (5) codes.
      expect(evaluated).toBe(5);
      expect(replies.filter((r) => r.body?.status === "LIMIT_REACHED_ERROR").length).toBe(12 - evaluated);
    });

    it("verifies on each instance the tokens the other signed while signing keys rotate", async () => {
      const kids = new Set<string>();
      const failures: string[] = [];
      const deadline = Date.now() + ROTATION_SECONDS * 1000 * 2 + 500;
      const worker = async (w: number) => {
        const [first, second] = w % 2 === 0 ? [a, b] : [b, a];
        const { agent } = await signUp(first);
        for (let i = 0; Date.now() < deadline; i++) {
          const [signer, verifier] = i % 2 === 0 ? [first, second] : [second, first];
          const refreshed = await agent.refresh(signer);
          if (refreshed.status !== 200) failures.push(`refresh on ${signer.name}: ${refreshed.status}`);
          kids.add(agent.kid());
          const verified = await agent.request(verifier, "GET", "/session");
          if (verified.status !== 200) failures.push(`verify on ${verifier.name}: ${verified.status} ${JSON.stringify(verified.body)}`);
          await sleep(20);
        }
      };
      await Promise.all([0, 1, 2, 3].map(worker));
      expect(failures).toEqual([]);
      expect(kids.size).toBeGreaterThanOrEqual(2);

      // One key per rotation period, however many instances rotated at once.
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const { rows } = await client.query<{ period: string; n: number }>(
        "SELECT period, count(*)::int AS n FROM signing_keys WHERE kind = 'dynamic' GROUP BY period",
      );
      await client.end();
      expect(rows.length).toBeGreaterThanOrEqual(kids.size);
      expect(rows.every((row) => row.n === 1)).toBe(true);
    });

    it("loses no committed session when an instance is killed with SIGKILL mid-traffic", async () => {
      const { email } = await signUp(b);
      const sessions: { agent: Agent; settled: boolean }[] = [];
      let stop = false;
      const worker = async () => {
        while (!stop) {
          const entry = { agent: new Agent(), settled: false };
          try {
            const reply = await entry.agent.request(a, "POST", "/auth/signin", form(email));
            if (reply.status !== 200) throw new Error(`sign-in answered ${reply.status}`);
            sessions.push(entry);
            // The refresh may be cut off mid-flight; the client then still holds the previous tokens.
            await entry.agent.refresh(a);
            entry.settled = true;
          } catch {
            return;
          }
        }
      };
      const workers = [0, 1, 2, 3, 4, 5].map(worker);
      // Kill mid-traffic once some sessions are acknowledged (waiting on progress, not a fixed time: the machine may be busy).
      const deadline = Date.now() + 20_000;
      while (sessions.length < 4 && Date.now() < deadline) await sleep(25);
      await sleep(100);
      a.process.kill("SIGKILL");
      stop = true;
      await Promise.all(workers);
      expect(sessions.length).toBeGreaterThan(3);

      // Every session the killed instance acknowledged is in the database and keeps working on B,
      // including those whose refresh was cut off (their previous token is still accepted).
      for (const { agent } of sessions) {
        expect((await agent.request(b, "GET", "/session-db")).status).toBe(200);
        expect((await agent.refresh(b)).status).toBe(200);
        expect((await agent.request(b, "GET", "/session-db")).status).toBe(200);
      }

      // A replacement instance picks up where the killed one left off.
      a = await startInstance("A2", appUrl());
      const first = sessions[0]?.agent as Agent;
      expect((await first.request(a, "GET", "/session-db")).status).toBe(200);
      expect((await first.refresh(a)).status).toBe(200);
    });
  });
} else {
  describeSkippedForPostgres("two app processes on one PostgreSQL database");
}

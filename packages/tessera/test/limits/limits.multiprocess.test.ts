/**
 * Lockout across two app processes sharing one database (issue 7): the counters live in storage
 * and every reservation is a compare-and-set, so two instances behind a load balancer keep one
 * count, even for a burst split between them. Runs on PostgreSQL (skipped when it is not
 * reachable) and on one SQLite file opened by both processes.
 *
 * The app (multiprocess-app.ts) is bundled from the sources with esbuild next to this file, so
 * the test runs the code under test rather than a possibly stale build.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "../postgres/helpers.js";

const here = dirname(fileURLToPath(import.meta.url));
const PASSWORD = "correct horse battery staple";
const LIMITS = { trustProxy: 1, address: { signIn: { max: 6 } } };
let bundle: string | undefined;

interface Instance {
  url: string;
  process: ChildProcess;
}

async function startInstance(databaseUrl: string): Promise<Instance> {
  const child = spawn(process.execPath, [bundle as string], {
    env: { ...process.env, DATABASE_URL: databaseUrl, LIMITS: JSON.stringify(LIMITS) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the app did not start: ${output.join("")}`)), 20_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      const match = /LISTENING (\d+)/.exec(chunk.toString());
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once("exit", (code) => reject(new Error(`the app exited with ${code}: ${output.join("")}`)));
  });
  return { url: `http://127.0.0.1:${port}`, process: child };
}

async function stopInstance(instance: Instance | undefined): Promise<void> {
  if (!instance || instance.process.exitCode !== null || instance.process.signalCode !== null) return;
  const exited = new Promise((resolve) => instance.process.once("exit", resolve));
  instance.process.kill("SIGTERM");
  await Promise.race([exited, sleep(3_000).then(() => instance.process.kill("SIGKILL"))]);
}

const form = (email: string, password: string) => ({ formFields: [{ id: "email", value: email }, { id: "password", value: password }] });

async function post(instance: Instance, path: string, body: unknown, client = "203.0.113.1"): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
  const response = await fetch(instance.url + path, {
    method: "POST",
    headers: { "content-type": "application/json", rid: "anti-csrf", "st-auth-mode": "header", "x-forwarded-for": client },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>) };
}

beforeAll(async () => {
  // esbuild comes with vitest (through vite); bundling keeps the child on the sources under test.
  const { build } = await import("esbuild");
  bundle = join(here, `.multiprocess-app-${randomBytes(4).toString("hex")}.mjs`);
  await build({
    entryPoints: [join(here, "multiprocess-app.ts")],
    outfile: bundle,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "silent",
  });
}, 60_000);
afterAll(() => {
  if (bundle) rmSync(bundle, { force: true });
});

function describeOn(name: string, setUp: () => Promise<{ url: string; failures(key: string): Promise<number | undefined>; drop(): Promise<void> }>): void {
  describe(`lockout across two processes on ${name}`, () => {
    let a: Instance;
    let b: Instance;
    let db: Awaited<ReturnType<typeof setUp>>;
    let users = 0;
    const newUser = async () => {
      const email = `mp-${process.pid}-${++users}@example.com`;
      const reply = await post(a, "/auth/signup", form(email, PASSWORD), `198.51.100.${users}`);
      expect(reply.body?.status).toBe("OK");
      return { email, userId: (reply.body?.user as { id: string }).id };
    };

    beforeAll(async () => {
      db = await setUp();
      a = await startInstance(db.url);
      b = await startInstance(db.url);
    }, 60_000);
    afterAll(async () => {
      await Promise.all([stopInstance(a), stopInstance(b)]);
      await db?.drop();
    });

    it("locks the account after ten failures made alternately on A and B, on both", async () => {
      const { email, userId } = await newUser();
      for (let i = 0; i < 10; i++) {
        const reply = await post(i % 2 === 0 ? a : b, "/auth/signin", form(email, `guess-${i}`), `192.0.2.${i}`);
        expect(reply.body).toEqual({ status: "WRONG_CREDENTIALS_ERROR" });
      }
      expect(await db.failures(`account:${userId}`)).toBe(10);
      for (const instance of [a, b]) expect((await post(instance, "/auth/signin", form(email, PASSWORD), "192.0.2.200")).body).toEqual({ status: "WRONG_CREDENTIALS_ERROR" });
    });

    it("checks exactly ten of forty parallel guesses split between A and B", async () => {
      const { email, userId } = await newUser();
      const replies = await Promise.all(Array.from({ length: 40 }, (_, i) => post(i % 2 === 0 ? a : b, "/auth/signin", form(email, `burst-${i}`), `192.0.2.${i + 10}`)));
      expect(replies.every((r) => r.body?.status === "WRONG_CREDENTIALS_ERROR")).toBe(true);
      expect(await db.failures(`account:${userId}`)).toBe(10);
    });

    it("shares one address count: the seventh failure from one client, on either instance, gets 429", async () => {
      const { email } = await newUser();
      for (let i = 0; i < 6; i++) expect((await post(i % 2 === 0 ? a : b, "/auth/signin", form(email, `x-${i}`), "192.0.2.250")).status).toBe(200);
      for (const instance of [a, b]) expect((await post(instance, "/auth/signin", form(email, PASSWORD), "192.0.2.250")).status).toBe(429);
      expect((await post(b, "/auth/signin", form(email, PASSWORD), "192.0.2.251")).body?.status).toBe("OK");
    });
  });
}

if (await postgresAvailable()) {
  describeOn("PostgreSQL", async () => {
    const database: TestDatabase = await createTestDatabase();
    return {
      url: `${database.url}?pool=4`,
      failures: async (key) => {
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        try {
          const { rows } = await client.query<{ failures: number }>("SELECT failures FROM limit_counters WHERE counter_key = $1", [key]);
          return rows[0]?.failures;
        } finally {
          await client.end();
        }
      },
      drop: () => database.drop(),
    };
  });
} else {
  describe("lockout across two processes on PostgreSQL", () => {
    it.skip("skipped: PostgreSQL is not reachable", () => {});
  });
}

describeOn("one SQLite file", async () => {
  const directory = mkdtempSync(join(tmpdir(), "tessera-limits-mp-"));
  const file = join(directory, "tessera.db");
  return {
    url: `sqlite:${file}`,
    failures: async (key) => {
      const reader = new Database(file, { readonly: true });
      try {
        return (reader.prepare("SELECT failures FROM limit_counters WHERE counter_key = ?").get(key) as { failures: number } | undefined)?.failures;
      } finally {
        reader.close();
      }
    },
    drop: async () => rmSync(directory, { recursive: true, force: true }),
  };
});

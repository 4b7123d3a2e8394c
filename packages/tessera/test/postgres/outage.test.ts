/**
 * Database outage (issue 5): the adapter reaches PostgreSQL through a TCP proxy this test owns,
 * which cuts or stalls the connection mid-traffic. Calls must fail fast with
 * StorageUnavailableError (503 over HTTP), nothing may crash, and service must come back when the
 * proxy does. The machine's PostgreSQL server is never stopped.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { StorageUnavailableError } from "../../src/core/errors.js";
import type { SessionRow, Storage } from "../../src/core/storage.js";
import { openPostgresStorage } from "../../src/storage/postgres/index.js";
import { startSessionApp, signIn } from "../session/helpers.js";
import { Client, type TestApp } from "../helpers/app.js";
import { createTestDatabase, describeSkippedForPostgres, postgresAvailable, type TestDatabase } from "./helpers.js";
import { TcpProxy } from "./proxy.js";

const CONNECTION_TIMEOUT_MS = 1_000;
const STATEMENT_TIMEOUT_MS = 1_000;
// A query on a connection that went silent is abandoned at statement timeout + 1 s (the client-side margin).
const SILENT_BOUND_MS = STATEMENT_TIMEOUT_MS + 1_000 + 600;

interface Outcome {
  start: number;
  end: number;
  error?: unknown;
}

function session(): SessionRow {
  return {
    handle: randomUUID(),
    userId: "u",
    recipeUserId: "u",
    tenantId: "public",
    refreshHash2: "h",
    prevRefreshHash2: null,
    promotedAt: null,
    accessTokenPayload: {},
    sessionData: {},
    createdAt: 1,
    expiresAt: 2,
  };
}

/** Four workers calling storage back to back (reads, inserts, compare-and-sets) until stopped. */
function traffic(storage: Storage, committed: string[]) {
  const outcomes: Outcome[] = [];
  let running = true;
  const worker = async (w: number) => {
    for (let i = 0; running; i++) {
      const start = performance.now();
      try {
        if ((i + w) % 3 === 0) {
          const row = session();
          await storage.sessions.create(row);
          committed.push(row.handle);
        } else if ((i + w) % 3 === 1) {
          await storage.sessions.get(committed[i % committed.length] as string);
        } else {
          await storage.sessions.updateRefresh(committed[i % committed.length] as string, "nope", { refreshHash2: "x", prevRefreshHash2: null, promotedAt: null, expiresAt: 2 });
        }
        outcomes.push({ start, end: performance.now() });
      } catch (error) {
        outcomes.push({ start, end: performance.now(), error });
      }
      await sleep(5);
    }
  };
  const workers = [0, 1, 2, 3].map(worker);
  return {
    outcomes,
    /** Resolves at the first call that started after `since` and succeeded; its end time. */
    async firstSuccessAfter(since: number, timeoutMs = 8_000): Promise<number> {
      const deadline = performance.now() + timeoutMs;
      while (performance.now() < deadline) {
        const ok = outcomes.find((o) => o.start >= since && o.error === undefined);
        if (ok) return ok.end;
        await sleep(20);
      }
      throw new Error("no call succeeded after the proxy was restored");
    },
    async stop() {
      running = false;
      await Promise.all(workers);
    },
  };
}

if (await postgresAvailable()) {
  describe("PostgreSQL storage through a proxy that goes away", () => {
    let database: TestDatabase;
    const crashes: unknown[] = [];
    const onCrash = (error: unknown) => crashes.push(error);
    const cleanups: (() => Promise<void>)[] = [];

    beforeAll(async () => {
      database = await createTestDatabase();
      process.on("unhandledRejection", onCrash);
      process.on("uncaughtException", onCrash);
    });
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });
    afterAll(async () => {
      process.off("unhandledRejection", onCrash);
      process.off("uncaughtException", onCrash);
      await database?.drop();
    });

    async function throughProxy(): Promise<{ proxy: TcpProxy; storage: Storage }> {
      const proxy = await TcpProxy.start();
      const storage = openPostgresStorage(proxy.route(database.url), {
        poolSize: 4,
        connectionTimeoutMs: CONNECTION_TIMEOUT_MS,
        statementTimeoutMs: STATEMENT_TIMEOUT_MS,
      });
      cleanups.push(() => proxy.close(), () => storage.close());
      await storage.ready();
      return { proxy, storage };
    }

    it("fails fast with StorageUnavailableError when the connection is cut, and recovers when it returns", async () => {
      const { proxy, storage } = await throughProxy();
      const committed: string[] = [];
      for (let i = 0; i < 10; i++) {
        const row = session();
        await storage.sessions.create(row);
        committed.push(row.handle);
      }
      const load = traffic(storage, committed);
      await sleep(300);
      const cutAt = performance.now();
      await proxy.cut();
      await sleep(1_200);
      const restoredAt = performance.now();
      await proxy.restore();
      const recoveredAt = await load.firstSuccessAfter(restoredAt);
      await load.stop();

      const during = load.outcomes.filter((o) => o.start > cutAt + 20 && o.end < restoredAt);
      const failures = load.outcomes.filter((o) => o.error !== undefined);
      expect(load.outcomes.filter((o) => o.end < cutAt && o.error === undefined).length).toBeGreaterThan(10);
      expect(during.length).toBeGreaterThan(10);
      expect(during.every((o) => o.error instanceof StorageUnavailableError)).toBe(true);
      expect(failures.every((o) => o.error instanceof StorageUnavailableError)).toBe(true);
      // A refused connection is reported at once, not after a timeout.
      expect(Math.max(...during.map((o) => o.end - o.start))).toBeLessThan(CONNECTION_TIMEOUT_MS);
      expect(recoveredAt - restoredAt).toBeLessThan(2_000);
      // Every write that was acknowledged before, during or after the outage is there.
      for (const handle of committed) expect(await storage.sessions.get(handle)).not.toBeNull();
      expect(crashes).toEqual([]);
    });

    it("gives up within the timeouts when the network goes silent, and recovers when it speaks again", async () => {
      const { proxy, storage } = await throughProxy();
      const committed: string[] = [];
      for (let i = 0; i < 10; i++) {
        const row = session();
        await storage.sessions.create(row);
        committed.push(row.handle);
      }
      const load = traffic(storage, committed);
      await sleep(300);
      const stalledAt = performance.now();
      proxy.stall();
      await sleep(SILENT_BOUND_MS + 500);
      const restoredAt = performance.now();
      await proxy.restore();
      const recoveredAt = await load.firstSuccessAfter(restoredAt);
      await load.stop();

      const during = load.outcomes.filter((o) => o.start > stalledAt && o.end < restoredAt);
      expect(during.length).toBeGreaterThan(3);
      expect(during.every((o) => o.error instanceof StorageUnavailableError)).toBe(true);
      expect(load.outcomes.every((o) => o.error === undefined || o.error instanceof StorageUnavailableError)).toBe(true);
      // Nothing hangs: every call that started during the silence has ended, within the bound.
      const stalled = load.outcomes.filter((o) => o.start > stalledAt && o.start < restoredAt);
      expect(Math.max(...stalled.map((o) => o.end - o.start))).toBeLessThan(SILENT_BOUND_MS);
      expect(recoveredAt - restoredAt).toBeLessThan(2_000);
      for (const handle of committed) expect(await storage.sessions.get(handle)).not.toBeNull();
      expect(crashes).toEqual([]);
    });

    it("answers 503 to requests that need the database and 200 to those that need only the access token", async () => {
      const { proxy, storage } = await throughProxy();
      const app: TestApp = await startSessionApp({ database: storage });
      cleanups.push(() => app.close());
      const client = new Client(app.url, "header");
      await signIn(client, { userId: "outage-user" });
      expect((await client.request("GET", "/verify")).status).toBe(200);

      await proxy.cut();
      const started = performance.now();
      const refresh = await client.refresh();
      expect(performance.now() - started).toBeLessThan(CONNECTION_TIMEOUT_MS);
      expect(refresh.status).toBe(503);
      expect(refresh.body).toEqual({ message: expect.stringMatching(/temporarily unavailable/i) });
      expect((await client.request("GET", "/verify-db")).status).toBe(503);
      expect((await new Client(app.url, "header").request("POST", "/create", { body: {} })).status).toBe(503);
      // Verifying an access token needs only the signing key, already in memory.
      const verified = await client.request("GET", "/verify");
      expect(verified.status).toBe(200);
      expect(verified.body?.userId).toBe("outage-user");

      await proxy.restore();
      expect((await client.refresh()).status).toBe(200);
      expect((await client.request("GET", "/verify-db")).status).toBe(200);
      expect(crashes).toEqual([]);
    });
  });
} else {
  describeSkippedForPostgres("PostgreSQL storage through a proxy that goes away");
}

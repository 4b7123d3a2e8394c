// Fixtures for the HTTP cases, written through tessera's storage API.
//   node bench/seed.mjs bulk  <db> <n>           n sessions of "bulk-" users, in batches (cached by run.mjs)
//   node bench/seed.mjs users <db> <n> <out>     n email+password users with a verified TOTP device
//   node bench/seed.mjs live  <db> <n> <out>     removes earlier live sessions, creates n sessions that
//                                                have passed both factors; writes their tokens to <out>
import { randomBytes, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import Database from "better-sqlite3";
import { importDist } from "./lib/dist.mjs";
import { completedPayload, EmailPassword, initTessera, PASSWORD, Session, tessera, TOTP } from "./lib/tessera-app.mjs";

const [mode, file, nArg, out] = process.argv.slice(2);
const n = Number(nArg);
const t0 = performance.now();

if (mode === "bulk") {
  const { openSqliteDriver } = await importDist("storage/sqlite/index.js");
  const { migrate } = await importDist("storage/sql/migrations.js");
  const { createSqlSessionStore } = await importDist("storage/sql/sessions.js");
  const driver = openSqliteDriver(file);
  await migrate(driver);
  await driver.exec("PRAGMA cache_size = -524288");
  const payload = completedPayload();
  const BATCH = 20_000;
  const at = Date.now();
  for (let start = 0; start < n; start += BATCH) {
    await driver.transaction(async (tx) => {
      const store = createSqlSessionStore(tx);
      const pending = [];
      for (let i = start; i < Math.min(n, start + BATCH); i++) {
        const userId = `bulk-${String(i).padStart(8, "0")}`;
        pending.push(store.create({
          handle: randomUUID(), userId, recipeUserId: userId, tenantId: "public",
          refreshHash2: randomBytes(32).toString("hex"), prevRefreshHash2: null, promotedAt: null,
          accessTokenPayload: payload, sessionData: {}, createdAt: at, expiresAt: at + 100 * 86_400_000,
        }));
      }
      await Promise.all(pending);
    });
    if ((start / BATCH) % 10 === 9) process.stderr.write(`  bulk ${start + BATCH} rows, ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  await driver.close();
} else if (mode === "users") {
  const { openSqliteStorage } = await importDist("storage/sqlite/index.js");
  const storage = openSqliteStorage(file);
  initTessera({ database: storage });
  // One real sign-up for a real argon2id hash, reused for every other user (the hash carries its salt).
  const first = await EmailPassword.signUp("public", "bench-u0@example.com", PASSWORD);
  if (first.status !== "OK") throw new Error(`sign-up failed: ${first.status}`);
  const hash = (await storage.emailPassword.getUserById(first.user.id)).passwordHash;
  const users = [];
  for (let i = 0; i < n; i++) {
    const email = `bench-u${i}@example.com`;
    let userId = first.user.id;
    if (i > 0) {
      userId = randomUUID();
      await storage.emailPassword.createUser({ userId, tenantId: "public", email, passwordHash: hash, timeJoined: Date.now() });
    }
    const device = await TOTP.createDevice(userId, email, "phone");
    if (device.status !== "OK") throw new Error(`createDevice: ${device.status}`);
    await storage.totp.markDeviceVerified(userId, "phone");
    users.push({ email, userId, secret: device.secret });
  }
  writeFileSync(out, JSON.stringify({ password: PASSWORD, users }));
  await tessera.reset();
} else if (mode === "live") {
  // Housekeeping outside tessera: drop the live sessions of earlier runs (and sign-in leftovers).
  const db = new Database(file);
  db.pragma("busy_timeout = 5000");
  const removed = db.prepare("DELETE FROM sessions WHERE user_id NOT BETWEEN 'bulk-' AND 'bulk.'").run().changes;
  // A server stopped with sign-ins in flight leaves their limiter reservations counted (a sign-in
  // that never finished counts as a failure until its window ends): up to 8 of the account's 10
  // here, so a second run within 15 minutes would sign in a locked account. Start each run clean.
  db.exec("DELETE FROM limit_counters");
  db.close();
  initTessera({ database: `sqlite:${file}` });
  const payload = completedPayload();
  const accessTokens = [];
  const refreshTokens = [];
  for (let i = 0; i < n; i++) {
    const userId = `live-${randomUUID()}`;
    const session = await Session.createNewSessionWithoutRequestResponse("public", userId, payload, {}, true);
    const tokens = session.getAllSessionTokensDangerously();
    accessTokens.push(tokens.accessToken);
    refreshTokens.push(tokens.refreshToken);
  }
  writeFileSync(out, JSON.stringify({ accessTokens, refreshTokens, removed }));
  await tessera.reset();
} else {
  throw new Error(`unknown mode ${mode}`);
}
console.log(JSON.stringify({ mode, n, seconds: +((performance.now() - t0) / 1000).toFixed(1) }));

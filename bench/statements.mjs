// Database statements per operation, counted by wrapping the SQL driver of tessera's SQLite
// storage in this process: every call to run/get/all (and every explicit transaction) is
// attributed to the one HTTP request in flight. A figure that does not depend on the machine.
// A statement is a read when it is a SELECT, whichever call ran it: an UPDATE … RETURNING read
// through get/all still writes.
//   node bench/statements.mjs [--json <out>]
import { rmSync, writeFileSync } from "node:fs";
import { importDist } from "./lib/dist.mjs";
import { createExpressApp, initTessera, PASSWORD, tessera, TOTP } from "./lib/tessera-app.mjs";
import { totpCode } from "./lib/totp.mjs";

const jsonOut = process.argv.includes("--json") ? process.argv[process.argv.indexOf("--json") + 1] : undefined;
const { openSqliteDriver } = await importDist("storage/sqlite/index.js");
const { migrate } = await importDist("storage/sql/migrations.js");
const { createSqlStorage } = await importDist("storage/sql/storage.js");

const file = new URL(`./.data/statements-${process.pid}.db`, import.meta.url).pathname;
const cleanup = () => { for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true }); };
cleanup();

let log = [];
function counting(driver, inTx = false) {
  const note = (kind, sql) => log.push({ kind, sql: sql.replace(/\s+/g, " ").slice(0, 90), inTx });
  return {
    dialect: driver.dialect,
    run: (sql, params) => (note("run", sql), driver.run(sql, params)),
    get: (sql, params) => (note("get", sql), driver.get(sql, params)),
    all: (sql, params) => (note("all", sql), driver.all(sql, params)),
    exec: (sql) => (note("exec", sql), driver.exec(sql)),
    transaction: (fn) => (log.push({ kind: "transaction" }), driver.transaction((tx) => fn(counting(tx, true)))),
    close: () => driver.close(),
  };
}
const driver = openSqliteDriver(file);
await migrate(driver);
const storage = createSqlStorage(counting(driver));
initTessera({ database: storage });
const app = await createExpressApp();
const server = await new Promise((resolve) => { const s = app.listen(0, "127.0.0.1", () => resolve(s)); });
const base = `http://127.0.0.1:${server.address().port}`;

const results = {};
const isRead = (entry) => /^\s*SELECT\b/i.test(entry.sql);
async function measure(name, request) {
  log = [];
  const response = await request();
  const entries = log;
  const statements = entries.filter((e) => ["run", "get", "all"].includes(e.kind));
  results[name] = {
    status: response.status,
    statements: statements.length,
    reads: statements.filter(isRead).length,
    writes: statements.filter((e) => !isRead(e)).length,
    transactions: entries.filter((e) => e.kind === "transaction").length,
    inTransaction: statements.filter((e) => e.inTx).length,
    sql: statements.map((e) => `${e.inTx ? "[tx] " : ""}${e.sql}`),
  };
  return response;
}
const post = (path, body, headers = {}) => fetch(base + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
const form = (email) => ({ formFields: [{ id: "email", value: email }, { id: "password", value: PASSWORD }] });

// Set-up: a user with a verified TOTP device (enrolled in-process, so no time step is used up).
const email = "count@example.com";
const up = await measure("sign-up (email+password)", () => post("/auth/signup", form(email), { "st-auth-mode": "header" }));
const upBody = await up.json();
if (upBody.status !== "OK") throw new Error(`sign-up: ${JSON.stringify(upBody)}`);
const userId = upBody.user.id;
const device = await TOTP.createDevice(userId, email, "phone");
await storage.totp.markDeviceVerified(userId, "phone");

const signIn = await measure("sign-in (email+password)", () => post("/auth/signin", form(email), { "st-auth-mode": "header" }));
const first = signIn.headers.get("st-access-token");
let refresh = signIn.headers.get("st-refresh-token");
const totp = await measure("TOTP verify (second factor)", () => post("/auth/totp/verify", { totp: totpCode(device.secret) }, { authorization: `Bearer ${first}` }));
const access = totp.headers.get("st-access-token");
if (!access) throw new Error("TOTP verify did not issue a new access token");
const get = (path, token) => fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
await measure("verify (seed route, 2fa-completed)", () => get("/protected", access));
await measure("verify, again", () => get("/protected", access));
await measure("verify with checkDatabase", () => get("/protected-db", access));
const r1 = await measure("refresh", () => fetch(`${base}/auth/session/refresh`, { method: "POST", headers: { authorization: `Bearer ${refresh}` } }));
const afterRefresh = r1.headers.get("st-access-token");
refresh = r1.headers.get("st-refresh-token");
const promoted = await measure("first verify after a refresh (commits the new refresh token)", () => get("/protected", afterRefresh));
// That response carries a new access token without the parent pointer; clients switch to it.
const settled = promoted.headers.get("st-access-token");
await measure("verify with the token issued at that commit", () => get("/protected", settled));
await measure("verify reusing the refresh's own token (client ignored the update)", () => get("/protected", afterRefresh));
const r2 = await measure("refresh, next one", () => fetch(`${base}/auth/session/refresh`, { method: "POST", headers: { authorization: `Bearer ${refresh}` } }));
// Its refresh token is a child nobody used yet: refreshing with it promotes it (the read path).
await measure("refresh with a child not committed yet (promotes it)", () => fetch(`${base}/auth/session/refresh`, { method: "POST", headers: { authorization: `Bearer ${r2.headers.get("st-refresh-token")}` } }));

server.close();
await tessera.reset();
cleanup();
for (const [name, r] of Object.entries(results)) console.error(`  ${name.padEnd(62)} ${String(r.status).padEnd(4)} statements ${r.statements} (reads ${r.reads}, writes ${r.writes}), transactions ${r.transactions}`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 1));
else console.log(JSON.stringify(results, null, 1));

// Bare servers and the floors: node bench/servers/bare.mjs <http|fastify|express|express-structure> <tessera db file>
//   GET  /               hello world (the framework's ceiling)
//   GET  /protected      the seed route with nothing guarding it: the body tessera's route answers
//                        (a user id of the same length), so that "protected ÷ bare" prices the
//                        guard alone; the runner sends it the same request (the same bearer token)
//   GET  /floor/verify   one RS256 signature check of the bearer token with node:crypto, nothing else:
//                        the floor for "one signature verification per request"
//   POST /floor/refresh  one RS256 signature (a payload the size of tessera's) plus one SQLite write
//                        transaction (BEGIN IMMEDIATE; SELECT by primary key; UPDATE; COMMIT) on a
//                        1,000-row table: the floor for "one signature plus one transaction per refresh"
// express-structure: only GET /protected, in the seed's shape with nothing of tessera's: one
//                   app.use that calls next() (where tessera's middleware() goes), a guard that sets
//                   req.session and calls next() (where verifySession goes), the route, an error
//                   handler. "tessera ÷ this" prices tessera's own work on Express; "this ÷ bare"
//                   what the seed's shape costs Express itself.
// Prints "ready <port>".
import http from "node:http";
import { generateKeyPairSync, randomUUID, sign, constants } from "node:crypto";
import { rmSync } from "node:fs";
import Database from "better-sqlite3";
import { floorVerify, loadKeysByHeader } from "../lib/floor.mjs";

const [kind, keysDb] = process.argv.slice(2);
const hello = JSON.stringify({ hello: "world" });
// What the seed route answers in bench/lib/tessera-app.mjs, for a user id like the fixtures' ("live-" + a UUID).
const liked = () => ({ status: "OK", message: "Comment liked", userId: "live-00000000-0000-0000-0000-000000000000" });

// Verification keys of the tessera database, looked up by the token's header segment as issued.
const keysByHeader = keysDb ? loadKeysByHeader(keysDb) : new Map();
function floorVerifyBearer(authorization) {
  if (typeof authorization !== "string" || !authorization.startsWith("Bearer ")) return false;
  return floorVerify(keysByHeader, authorization.slice(7));
}

// Refresh floor: own key and own small database (removed on exit).
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const floorFile = new URL(`../.data/floor-${process.pid}.db`, import.meta.url).pathname;
const cleanup = () => { for (const f of [floorFile, `${floorFile}-wal`, `${floorFile}-shm`]) rmSync(f, { force: true }); };
cleanup();
const fdb = new Database(floorFile);
fdb.pragma("journal_mode = WAL");
fdb.pragma("synchronous = NORMAL");
fdb.exec("CREATE TABLE sessions (handle TEXT PRIMARY KEY NOT NULL, user_id TEXT NOT NULL, refresh_hash2 TEXT NOT NULL, access_token_payload TEXT NOT NULL, expires_at INTEGER NOT NULL) STRICT");
const handles = [];
const insert = fdb.prepare("INSERT INTO sessions VALUES (?, ?, ?, ?, ?)");
fdb.transaction(() => {
  for (let i = 0; i < 1000; i++) {
    const h = randomUUID();
    handles.push(h);
    insert.run(h, randomUUID(), "a".repeat(64), JSON.stringify({ "st-mfa": { c: { emailpassword: 1.9e9, totp: 1.9e9 }, v: true }, "2fa-completed": { v: true, t: 1.9e12 } }), Date.now() + 8.64e9);
  }
})();
const select = fdb.prepare("SELECT handle, user_id, refresh_hash2, access_token_payload, expires_at FROM sessions WHERE handle = ?");
const update = fdb.prepare("UPDATE sessions SET refresh_hash2 = ?, expires_at = ? WHERE handle = ? AND refresh_hash2 = ?");
const begin = fdb.prepare("BEGIN IMMEDIATE");
const commit = fdb.prepare("COMMIT");
let next = 0;
function floorRefresh() {
  const handle = handles[next++ % handles.length];
  begin.run();
  const row = select.get(handle);
  update.run(row.refresh_hash2, Date.now() + 8.64e9, handle, row.refresh_hash2);
  commit.run();
  const now = Math.floor(Date.now() / 1000);
  const payload = { ...JSON.parse(row.access_token_payload), iss: "http://127.0.0.1:3000/auth", sub: row.user_id, rsub: row.user_id, exp: now + 3600, iat: now, sessionHandle: handle, refreshTokenHash1: "b".repeat(64), parentRefreshTokenHash1: "c".repeat(64), antiCsrfToken: null, tId: "public" };
  const input = `eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsInZlcnNpb24iOiI1Iiwia2lkIjoiZC1mbG9vcmZsb29yZmxvb3IifQ.${Buffer.from(JSON.stringify(payload)).toString("base64url")}`;
  return `${input}.${sign("sha256", Buffer.from(input), { key: privateKey, padding: constants.RSA_PKCS1_PADDING }).toString("base64url")}`;
}

let server;
if (kind === "http") {
  server = http.createServer((req, res) => {
    if (req.url === "/floor/verify") {
      const ok = floorVerifyBearer(req.headers.authorization);
      res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
      return res.end(ok ? hello : "{}");
    }
    if (req.url === "/floor/refresh") {
      const token = floorRefresh();
      res.writeHead(200, { "content-type": "application/json", "st-access-token": token });
      return res.end('{"status":"OK"}');
    }
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(hello) });
    res.end(hello);
  });
  server.listen(0, "127.0.0.1", () => console.log(`ready ${server.address().port}`));
} else if (kind === "fastify") {
  const Fastify = (await import("fastify")).default;
  const app = Fastify({ logger: false });
  app.get("/", async () => ({ hello: "world" }));
  app.get("/protected", async () => liked());
  app.get("/floor/verify", async (req, reply) => {
    if (!floorVerifyBearer(req.headers.authorization)) reply.code(401);
    return liked();
  });
  app.post("/floor/refresh", async (_req, reply) => {
    reply.header("st-access-token", floorRefresh());
    return { status: "OK" };
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  server = app.server;
  console.log(`ready ${app.server.address().port}`);
} else if (kind === "express") {
  const express = (await import("express")).default;
  const app = express();
  app.disable("x-powered-by");
  app.get("/", (_req, res) => res.json({ hello: "world" }));
  app.get("/protected", (_req, res) => res.json(liked()));
  app.get("/floor/verify", (req, res) => res.status(floorVerifyBearer(req.headers.authorization) ? 200 : 401).json(liked()));
  app.post("/floor/refresh", (_req, res) => res.set("st-access-token", floorRefresh()).json({ status: "OK" }));
  server = app.listen(0, "127.0.0.1", () => console.log(`ready ${server.address().port}`));
} else if (kind === "express-structure") {
  const express = (await import("express")).default;
  const app = express();
  app.disable("x-powered-by");
  const userId = liked().userId;
  const session = { getUserId: () => userId };
  app.use((_req, _res, next) => next());
  const guard = (req, _res, next) => {
    req.session = session;
    next();
  };
  app.get("/protected", guard, (req, res) => res.json({ status: "OK", message: "Comment liked", userId: req.session.getUserId() }));
  app.use((error, _req, res, _next) => res.status(500).json({ message: String(error) }));
  server = app.listen(0, "127.0.0.1", () => console.log(`ready ${server.address().port}`));
} else {
  throw new Error(`unknown kind ${kind}`);
}
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => { fdb.close(); cleanup(); process.exit(0); });

// Better Auth as its docs set it up: better-sqlite3 database, emailAndPassword, the twoFactor
// plugin, the Node handler on node:http, and a protected route calling auth.api.getSession.
//   node bench/servers/better-auth.mjs        prints "ready <port>"
// Same SQLite settings as tessera's (WAL, synchronous=NORMAL). Rate limiting is turned off so
// that the load generator is not throttled (Better Auth enables it only in production anyway).
import http from "node:http";
import { rmSync } from "node:fs";
import Database from "better-sqlite3";
import { betterAuth } from "better-auth";
import { twoFactor } from "better-auth/plugins";
import { fromNodeHeaders, toNodeHandler } from "better-auth/node";
import { getMigrations } from "better-auth/db/migration";

const file = new URL(`../.data/better-auth-${process.pid}.db`, import.meta.url).pathname;
const cleanup = () => { for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true }); };
cleanup();
const db = new Database(file);
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");

const server = http.createServer();
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address();
const auth = betterAuth({
  baseURL: `http://127.0.0.1:${port}`,
  secret: "bench-only-secret-bench-only-secret-0123456789abcdef",
  database: db,
  emailAndPassword: { enabled: true },
  plugins: [twoFactor({ issuer: "Tessera bench" })],
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  logger: { level: "error" },
});
const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

const handler = toNodeHandler(auth);
server.on("request", async (req, res) => {
  if (req.url.startsWith("/api/auth/")) return handler(req, res);
  if (req.url === "/protected") {
    try {
      const session = await auth.api.getSession({ headers: fromNodeHeaders(req.headers) });
      if (!session) {
        res.writeHead(401, { "content-type": "application/json" });
        return res.end('{"message":"unauthorised"}');
      }
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({ status: "OK", message: "Comment liked", userId: session.user.id }));
    } catch (error) {
      res.writeHead(500);
      return res.end(String(error));
    }
  }
  res.writeHead(404);
  res.end();
});
console.log(`ready ${port}`);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => { db.close(); cleanup(); process.exit(0); });

// Experiments behind the recommended src/ changes (not part of `npm run bench`):
//   node bench/experiments.mjs [--quick]
// A. per-request pieces of tessera's verify path that a cache hit still pays, in µs
// B. refresh statement layouts on SQLite (autocommit select+update, one transaction, one UPDATE … RETURNING)
// C. password-hash concurrency on one core: hashes/s and peak RSS with 1, 2, 4, 8 hashes in flight
// Runs pinned to CPU 0 (children too). Prints a table per experiment.
import { spawnSync } from "node:child_process";
import { constants, createPublicKey, randomUUID, verify } from "node:crypto";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { importDist } from "./lib/dist.mjs";
import { runInterleaved } from "./lib/harness.mjs";
import { rssMB } from "./lib/proc.mjs";
import { completedPayload, initTessera, Session, tessera } from "./lib/tessera-app.mjs";

const here = (rel) => fileURLToPath(new URL(rel, import.meta.url));
const argv = process.argv.slice(2);

// Child mode for C: hash with `n` in flight for `ms`, report hashes/s and peak RSS.
if (argv[0] === "--hash-child") {
  const n = Number(argv[1]);
  const ms = Number(argv[2]);
  const { hashPassword } = await importDist("core/crypto/password.js");
  let done = 0;
  let peak = rssMB(process.pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMB(process.pid))), 20);
  const end = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: n }, async () => { while (performance.now() < end) { await hashPassword("correct-horse-battery-9"); done++; } }));
  clearInterval(timer);
  console.log(JSON.stringify({ n, hashesPerSecond: (done * 1000) / (performance.now() - t0), peakRssMB: Math.max(peak, rssMB(process.pid)) }));
  process.exit(0);
}
if (!process.env.TESSERA_BENCH_PINNED) {
  const r = spawnSync("taskset", ["-c", "0", process.execPath, here("experiments.mjs"), ...argv], { stdio: "inherit", env: { ...process.env, TESSERA_BENCH_PINNED: "1" } });
  process.exit(r.status ?? 1);
}
const quick = argv.includes("--quick");
const rounds = quick ? 3 : 7;
const ms = quick ? 200 : 500;
const show = (title, results) => {
  console.log(`\n${title}`);
  for (const [k, x] of Object.entries(results)) console.log(`  ${k.padEnd(64)} ${(1e6 / x.median).toFixed(2).padStart(8)} µs   ${Math.round(x.median).toLocaleString("en-US").padStart(10)} ops/s`);
};

// ---------- A ----------
const file = here(`.data/experiments-${process.pid}.db`);
const cleanup = () => { for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true }); };
cleanup();
initTessera({ database: `sqlite:${file}` });
const tok = (await Session.createNewSessionWithoutRequestResponse("public", "x", completedPayload(), {}, true)).getAccessToken();
const { hasSessionStructure, stripProtectedProps } = await importDist("recipe/session/tokens.js");
const db = new Database(file);
const row = db.prepare("SELECT kid, public_key FROM signing_keys LIMIT 1").get();
const key = createPublicKey({ key: JSON.parse(row.public_key), format: "jwk" });
await tessera.reset();
const [h, p, s] = tok.split(".");
const payloadJSON = Buffer.from(p, "base64url").toString("utf8");
const payload = JSON.parse(payloadJSON);
const frozen = structuredClone(payload);
const deepFreeze = (o) => { for (const v of Object.values(o)) if (v && typeof v === "object") deepFreeze(v); return Object.freeze(o); };
deepFreeze(frozen);
const a = await runInterleaved([
  { name: "raw RS256 verify (what a cache hit saves)", fn: () => verify("sha256", Buffer.from(`${h}.${p}`), { key, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(s, "base64url")) },
  { name: "isOurs: decode payload + JSON.parse + structure check", fn: () => hasSessionStructure(JSON.parse(Buffer.from(tok.split(".")[1], "base64url").toString("utf8"))) },
  { name: "cache hit copy: JSON.parse(payload JSON)", fn: () => JSON.parse(payloadJSON) },
  { name: "cache hit copy: structuredClone(payload)", fn: () => structuredClone(payload) },
  { name: "cache hit, no copy (deep-frozen payload shared)", fn: () => frozen.sub },
  { name: "assertClaims compare: 2 × stripProtectedProps + 2 × JSON.stringify", fn: () => JSON.stringify(stripProtectedProps(payload)) === JSON.stringify(stripProtectedProps(payload)) },
  { name: "Map.get of the token (cache lookup)", fn: (() => { const m = new Map([[tok, 1]]); return () => m.get(tok); })() },
], { rounds, ms });
show("A. per-request pieces (one core)", a.results);

// ---------- B ----------
const handles = [];
db.exec("DROP TABLE IF EXISTS t; CREATE TABLE t (handle TEXT PRIMARY KEY NOT NULL, refresh_hash2 TEXT NOT NULL, payload TEXT NOT NULL, expires_at INTEGER NOT NULL) STRICT; CREATE INDEX t_exp ON t (expires_at)");
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
const ins = db.prepare("INSERT INTO t VALUES (?, ?, ?, ?)");
db.transaction(() => { for (let i = 0; i < 1000; i++) { const hd = randomUUID(); handles.push(hd); ins.run(hd, "a".repeat(64), payloadJSON, Date.now()); } })();
const sel = db.prepare("SELECT * FROM t WHERE handle = ?");
const upd = db.prepare("UPDATE t SET refresh_hash2 = ?, expires_at = ? WHERE handle = ? AND refresh_hash2 = ?");
const updRet = db.prepare("UPDATE t SET refresh_hash2 = ?, expires_at = ? WHERE handle = ? AND refresh_hash2 = ? RETURNING payload, expires_at");
const begin = db.prepare("BEGIN IMMEDIATE");
const commit = db.prepare("COMMIT");
let i = 0;
const b = await runInterleaved([
  { name: "SELECT + UPDATE, two autocommits (tessera today)", fn: () => { const hd = handles[i++ % 1000]; const r = sel.get(hd); upd.run(r.refresh_hash2, Date.now(), hd, r.refresh_hash2); } },
  { name: "BEGIN IMMEDIATE; SELECT; UPDATE; COMMIT", fn: () => { const hd = handles[i++ % 1000]; begin.run(); const r = sel.get(hd); upd.run(r.refresh_hash2, Date.now(), hd, r.refresh_hash2); commit.run(); } },
  { name: "one UPDATE … WHERE hash = ? RETURNING (compare-and-set)", fn: () => { const hd = handles[i++ % 1000]; updRet.get("a".repeat(64), Date.now(), hd, "a".repeat(64)); } },
], { rounds, ms });
show("B. refresh statement layouts (SQLite WAL, synchronous=NORMAL, 1,000 rows)", b.results);
db.close();
cleanup();

// ---------- C ----------
console.log("\nC. password hashes in flight on one core (tessera's argon2id, m=19 MiB): throughput and peak RSS");
for (const n of [1, 2, 4, 8]) {
  const r = spawnSync("taskset", ["-c", "0", process.execPath, here("experiments.mjs"), "--hash-child", String(n), quick ? "1500" : "4000"], { encoding: "utf8" });
  const x = JSON.parse(r.stdout.trim().split("\n").pop());
  console.log(`  ${String(n).padStart(2)} in flight: ${x.hashesPerSecond.toFixed(1).padStart(6)} hashes/s, peak RSS ${x.peakRssMB.toFixed(0)} MB`);
}

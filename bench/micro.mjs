// Micro-benchmarks in one process (case 6 of the issue, plus the parts of the floors):
//   node bench/micro.mjs [--quick] [--json <out>]
// - tessera's verify (Session.getSessionWithoutRequestResponse with the seed's validator) against
//   a raw node:crypto RS256 verify of the same tokens (the floor), with one repeated token and with
//   1,000 distinct tokens;
// - a verified-token cache prototyped here (exact token bytes as the key, bounded, never past exp):
//   what a hit costs next to a verification;
// - with a build that has `verifiedTokenCacheSize`, tessera with the cache off and on;
// - the refresh floor's parts (RS256 sign, one SQLite write transaction) and tessera's refresh;
// - the password hashes: tessera's argon2id against Better Auth's scrypt.
import { constants, createPublicKey, scrypt, sign, verify } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import Database from "better-sqlite3";
import { distHasVerifiedTokenCache, importDist } from "./lib/dist.mjs";
import { roundRatio, runInterleaved } from "./lib/harness.mjs";
import { fmtNum } from "./lib/stats.mjs";
import { completedPayload, initTessera, Session, tessera, withSecondFactor } from "./lib/tessera-app.mjs";

const quick = process.argv.includes("--quick");
const jsonOut = process.argv.includes("--json") ? process.argv[process.argv.indexOf("--json") + 1] : undefined;
const rounds = quick ? 2 : 7;
const ms = quick ? 200 : 600;
const N = 1000;

const file = new URL(`./.data/micro-${process.pid}.db`, import.meta.url).pathname;
const cleanup = () => { for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true }); };
cleanup();
const hasCacheOption = await distHasVerifiedTokenCache();

// One instance at a time; cases that need another configuration switch to it untimed.
let current;
async function use(cacheSize, warmTokens) {
  const key = cacheSize ?? "default";
  if (current === key) return;
  if (current !== undefined) await tessera.reset();
  initTessera({ database: `sqlite:${file}`, verifiedTokenCacheSize: cacheSize });
  current = key;
  // A fresh instance has an empty cache: fill it (untimed), as a server that has run for a while has it.
  for (const t of warmTokens ?? []) await Session.getSessionWithoutRequestResponse(t, undefined, { antiCsrfCheck: false });
}
await use(hasCacheOption ? 0 : undefined);

const payload = completedPayload();
const sessions = [];
for (let i = 0; i < N; i++) {
  const s = await Session.createNewSessionWithoutRequestResponse("public", `micro-${i}`, payload, {}, true);
  sessions.push(s.getAllSessionTokensDangerously());
}
const tokens = sessions.map((s) => s.accessToken);
const refreshTokens = sessions.map((s) => s.refreshToken);

// The public keys, imported once, looked up by the token's header segment.
const db = new Database(file);
const keys = new Map();
for (const row of db.prepare("SELECT kid, public_key FROM signing_keys").all()) {
  keys.set(Buffer.from(JSON.stringify({ alg: "RS256", typ: "JWT", version: "5", kid: row.kid })).toString("base64url"), createPublicKey({ key: JSON.parse(row.public_key), format: "jwk" }));
}
const RSA = (key) => ({ key, padding: constants.RSA_PKCS1_PADDING });

function rawVerify(token) {
  const a = token.indexOf(".");
  const b = token.lastIndexOf(".");
  return verify("sha256", Buffer.from(token.slice(0, b)), RSA(keys.get(token.slice(0, a))), Buffer.from(token.slice(b + 1), "base64url"));
}
function minimalVerify(token) {
  const [h, p, s] = token.split(".");
  if (!verify("sha256", Buffer.from(`${h}.${p}`), RSA(keys.get(h)), Buffer.from(s, "base64url"))) throw new Error("bad signature");
  const body = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
  if (Date.now() >= body.exp * 1000) throw new Error("expired");
  return body;
}

/** The prototype: exact token string -> payload JSON; FIFO bound; an entry is never used at or after exp. */
class VerifiedCache {
  constructor(max) { this.max = max; this.map = new Map(); }
  get(token, now) {
    const e = this.map.get(token);
    if (e === undefined) return undefined;
    if (now >= e.exp) { this.map.delete(token); return undefined; }
    return JSON.parse(e.json);
  }
  set(token, body) {
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value);
    this.map.set(token, { json: JSON.stringify(body), exp: body.exp * 1000 });
  }
}
const cache = new VerifiedCache(10_000);
function cachedVerify(token) {
  const hit = cache.get(token, Date.now());
  if (hit !== undefined) return hit;
  const body = minimalVerify(token);
  cache.set(token, body);
  return body;
}

const opts = { antiCsrfCheck: false, overrideGlobalClaimValidators: withSecondFactor };
let i = 0;
const nextToken = () => tokens[i++ % N];
const tesseraVerify = (token) => Session.getSessionWithoutRequestResponse(token, undefined, opts);

const cases = [
  { name: "raw node:crypto verify (floor)", fn: () => rawVerify(nextToken()) },
  { name: "minimal full verify", fn: () => minimalVerify(nextToken()) },
  { name: "prototype cache, repeated token", fn: () => cachedVerify(tokens[0]) },
  { name: "prototype cache, 1k tokens", fn: () => cachedVerify(nextToken()) },
];
if (hasCacheOption) {
  cases.push(
    { name: "tessera verify, repeated, cache off", async: true, enter: () => use(0), fn: () => tesseraVerify(tokens[0]) },
    { name: "tessera verify, 1k tokens, cache off", async: true, enter: () => use(0), fn: () => tesseraVerify(nextToken()) },
    { name: "tessera verify, repeated, cache on", async: true, enter: () => use(undefined, tokens), fn: () => tesseraVerify(tokens[0]) },
    { name: "tessera verify, 1k tokens, cache on", async: true, enter: () => use(undefined, tokens), fn: () => tesseraVerify(nextToken()) },
  );
} else {
  cases.push(
    { name: "tessera verify, repeated", async: true, fn: () => tesseraVerify(tokens[0]) },
    { name: "tessera verify, 1k tokens", async: true, fn: () => tesseraVerify(nextToken()) },
  );
}
const verifyRun = await runInterleaved(cases, { rounds, ms });

// Refresh: the floor's two parts and tessera's refresh, in one process.
await use(undefined);
const { privateKey } = (await import("node:crypto")).generateKeyPairSync("rsa", { modulusLength: 2048 });
const signingInput = tokens[0].slice(0, tokens[0].lastIndexOf("."));
const handles = db.prepare("SELECT handle FROM sessions").all().map((r) => r.handle);
const sel = db.prepare("SELECT * FROM sessions WHERE handle = ?");
const upd = db.prepare("UPDATE sessions SET expires_at = ? WHERE handle = ? AND refresh_hash2 = ?");
const begin = db.prepare("BEGIN IMMEDIATE");
const commit = db.prepare("COMMIT");
let h = 0;
const tx = () => {
  const handle = handles[h++ % handles.length];
  begin.run();
  const row = sel.get(handle);
  upd.run(Date.now() + 8.64e9, handle, row.refresh_hash2);
  commit.run();
};
let r = 0;
const refreshRun = await runInterleaved([
  { name: "RS256 sign", fn: () => sign("sha256", Buffer.from(signingInput), RSA(privateKey)) },
  { name: "SQLite write transaction (select+update)", fn: tx },
  { name: "floor: sign + transaction", fn: () => { tx(); sign("sha256", Buffer.from(signingInput), RSA(privateKey)); } },
  { name: "tessera refresh (in-process)", async: true, batch: 4, fn: () => Session.refreshSessionWithoutRequestResponse(refreshTokens[r++ % N], true) },
], { rounds, ms });

// Password hashes, as each library hashes a password at sign-up (verify costs the same).
const { hashPassword } = await importDist("core/crypto/password.js");
const ba = await import("better-auth/crypto");
const hashRun = await runInterleaved([
  { name: "tessera argon2id m=19456 t=2 p=1", async: true, batch: 1, fn: () => hashPassword("correct-horse-battery-9") },
  { name: "Better Auth scrypt N=16384 r=16 p=1", async: true, batch: 1, fn: () => ba.hashPassword("correct-horse-battery-9") },
], { rounds: quick ? 2 : 3, ms: quick ? 300 : 700, warmupMs: 100 });

db.close();
await tessera.reset();
cleanup();

const v = verifyRun.perRound;
const floor = "raw node:crypto verify (floor)";
const ratios = {};
for (const c of cases) if (c.name !== floor) ratios[`${c.name} / floor`] = roundRatio(v, c.name, floor);
const out = {
  hasCacheOption,
  tokens: N,
  tokenLength: tokens[0].length,
  verify: verifyRun.results,
  verifyRatios: ratios,
  refresh: refreshRun.results,
  refreshRatios: { "tessera refresh / floor (sign + transaction)": roundRatio(refreshRun.perRound, "tessera refresh (in-process)", "floor: sign + transaction") },
  hash: Object.fromEntries(Object.entries(hashRun.results).map(([k, x]) => [k, { msPerHash: 1000 / x.median, all: x.all }])),
};
for (const [section, res] of [["verify", out.verify], ["refresh", out.refresh]]) {
  console.error(`micro ${section} (ops/s, median of ${rounds} rounds):`);
  for (const [k, x] of Object.entries(res)) console.error(`  ${k.padEnd(44)} ${fmtNum(x.median).padStart(10)}`);
}
for (const [k, x] of Object.entries(out.verifyRatios)) console.error(`  ${k.padEnd(60)} ${x.toFixed(2)}`);
for (const [k, x] of Object.entries(out.hash)) console.error(`  ${k.padEnd(44)} ${x.msPerHash.toFixed(1)} ms/hash`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(out, null, 1));
else console.log(JSON.stringify(out, null, 1));

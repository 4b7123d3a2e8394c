// `npm run bench`: tessera side by side with the bare frameworks and Better Auth, in one run.
//   npm run bench                 full run (6 rounds × 5 s per case, ~16 minutes)
//   npm run bench -- --quick      developer's check (2 rounds × 1.5 s, under 2 minutes once bench/.data exists)
// Options: --rounds N  --duration S  --warmup S  --signin-duration S  --no-1m  --no-micro
//          --only <regex on case ids>  --no-readme
// Every server runs in its own process pinned to CPU 0; this process (the load generator) runs on
// CPU 1. See bench/README.md for what each case measures.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { distHasVerifiedTokenCache, distInfo } from "./lib/dist.mjs";
import { makeSignInTotpClient, runAutocannon } from "./lib/load.mjs";
import { cpuSeconds, rssMB, runPinned, rssSampler, startServer } from "./lib/proc.mjs";
import { markdownTable, ratioChartSvg } from "./lib/report.mjs";
import { median, sleep } from "./lib/stats.mjs";

const here = (rel) => fileURLToPath(new URL(rel, import.meta.url));
const argv = process.argv.slice(2);

// Pin this process (the load generator) to CPU 1 by re-running it under taskset.
if (!process.env.TESSERA_BENCH_PINNED) {
  const r = spawnSync("taskset", ["-c", "1", process.execPath, here("run.mjs"), ...argv], { stdio: "inherit", env: { ...process.env, TESSERA_BENCH_PINNED: "1" } });
  process.exit(r.status ?? 1);
}

const flag = (name) => argv.includes(name);
const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const quick = flag("--quick");
const P = {
  quick,
  rounds: Number(opt("--rounds", quick ? 2 : 6)),
  duration: Number(opt("--duration", quick ? 1.5 : 5)),
  warmup: Number(opt("--warmup", quick ? 0.5 : 1.5)),
  signinDuration: Number(opt("--signin-duration", quick ? 2.5 : 5)),
  connections: 50,
  signinConnections: 8,
  tokens: 1000,
  bulkSessions: 1_000_000,
  users: 10_000,
  with1m: !flag("--no-1m"),
  micro: !flag("--no-micro"),
  only: opt("--only", undefined),
};
// Every case, in list order (the two sides of each ratio are neighbours).
const ORDER = ["hello.http", "hello.fastify", "fastify.verify.repeated", "fastify.verify.distinct", "floor.verify", "fastify.verify.distinct.nocache",
  "fastify.verifydb.repeated", "fastify.verifydb.distinct", "ba.getSession", "express.structure", "express.verify.repeated", "hello.express", "express.verify.distinct",
  "express.verify.distinct.nocache", "floor.verify.express", "express.verifydb.repeated", "express.verifydb.distinct", "express.1m.verify.distinct", "express.1m.verify.repeated",
  "express.1m.refresh", "express.refresh", "floor.refresh", "tessera.signin", "ba.signin", "tessera.signin_totp"];

// Bad options stop the run here, before any fixture or server: a run with nothing to measure
// would print a table of NaN and a failed memory check.
function usage(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}
for (const [name, value, min] of [["--rounds", P.rounds, 1], ["--duration", P.duration, 0.1], ["--warmup", P.warmup, 0], ["--signin-duration", P.signinDuration, 0.1]]) {
  if (!Number.isFinite(value) || value < min) usage(`${name} must be a number, at least ${min} (got ${opt(name, "")})`);
}
if (!Number.isInteger(P.rounds)) usage(`--rounds must be a whole number (got ${P.rounds})`);
const KNOWN = ["--quick", "--rounds", "--duration", "--warmup", "--signin-duration", "--no-1m", "--no-micro", "--only", "--no-readme"];
const WITH_VALUE = ["--rounds", "--duration", "--warmup", "--signin-duration", "--only"];
for (let i = 0; i < argv.length; i++) {
  if (!KNOWN.includes(argv[i])) usage(`unknown option ${argv[i]} (options: ${KNOWN.join(" ")})`);
  if (WITH_VALUE.includes(argv[i])) i++;
}
if (flag("--only")) {
  if (P.only === undefined || P.only.startsWith("--")) usage("--only needs a regular expression on case ids");
  let re;
  try {
    re = new RegExp(P.only);
  } catch (error) {
    usage(`--only: ${error.message}`);
  }
  if (!ORDER.some((id) => re.test(id))) usage(`--only ${P.only} matches no case. Case ids: ${ORDER.join(", ")}`);
}

const started = Date.now();
const log = (...a) => console.error(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s]`, ...a);

// ---------- the build under test ----------
const dist = distInfo();
if (!dist) {
  console.error("The tessera package is not built: run `npm run build -w tessera` first.");
  process.exit(1);
}
const hasCacheOption = await distHasVerifiedTokenCache();
const git = (args) => spawnSync("git", args, { cwd: here(".."), encoding: "utf8" }).stdout.trim();
const head = git(["rev-parse", "--short", "HEAD"]);
const dirty = git(["status", "--porcelain", "--", "../packages/tessera/src"]).length > 0;
log(`tessera dist built ${dist.builtAt} (HEAD ${head}${dirty ? ", src has uncommitted changes" : ""}); verified-token cache option: ${hasCacheOption ? "yes" : "no"}`);

// ---------- fixtures (cached under bench/.data) ----------
const DATA = here(".data/");
mkdirSync(DATA, { recursive: true });
const db1k = `${DATA}sessions-1k.db`;
const db1m = `${DATA}sessions-1m.db`;
const dbAuth = `${DATA}auth.db`;
const usersFile = `${DATA}auth-users.json`;

async function cached(file, build) {
  if (existsSync(`${file}.done`)) return;
  const building = `${file}.building`;
  for (const f of [file, `${file}-wal`, `${file}-shm`, building, `${building}-wal`, `${building}-shm`]) rmSync(f, { force: true });
  await build(building);
  renameSync(building, file);
  writeFileSync(`${file}.done`, new Date().toISOString());
}
await cached(db1k, (f) => runPinned(1, here("seed.mjs"), ["bulk", f, "0"]));
if (P.with1m) {
  if (!existsSync(`${db1m}.done`)) log(`seeding ${P.bulkSessions.toLocaleString()} sessions into ${db1m} through the storage API (once; cached)`);
  await cached(db1m, async (f) => log(`  ${(await runPinned(0, here("seed.mjs"), ["bulk", f, String(P.bulkSessions - P.tokens)])).trim()}`));
}
if (!existsSync(`${dbAuth}.done`) || !existsSync(usersFile)) {
  rmSync(`${dbAuth}.done`, { force: true });
  log(`seeding ${P.users.toLocaleString()} users with a verified TOTP device (once; cached)`);
  await cached(dbAuth, (f) => runPinned(1, here("seed.mjs"), ["users", f, String(P.users), usersFile]));
}
log("fresh sessions for this run (1,000 per database)");
const liveFile = (name) => `${DATA}live-${name}.json`;
await Promise.all([
  runPinned(0, here("seed.mjs"), ["live", db1k, String(P.tokens), liveFile("1k")]),
  P.with1m ? runPinned(1, here("seed.mjs"), ["live", db1m, String(P.tokens), liveFile("1m")]) : null,
  runPinned(1, here("seed.mjs"), ["live", dbAuth, "0", liveFile("auth")]),
]);
const live1k = JSON.parse(readFileSync(liveFile("1k"), "utf8"));
const live1m = P.with1m ? JSON.parse(readFileSync(liveFile("1m"), "utf8")) : undefined;
const authUsers = JSON.parse(readFileSync(usersFile, "utf8"));
// The replay guard takes one code per user and 30 s step: flows continue through the pool across runs.
const cursorFile = `${DATA}auth-cursor.json`;
let cursor = existsSync(cursorFile) ? JSON.parse(readFileSync(cursorFile, "utf8")).next : 1;

// ---------- in-process figures: statements per operation, micro-benchmarks ----------
// Statement counts do not depend on timing: they run on CPU 1 while the micro-benchmarks have CPU 0.
log(`counting database statements per operation${P.micro ? "; micro-benchmarks (one process, CPU 0)" : ""}`);
const statementsFile = `${DATA}statements.tmp.json`;
const microFile = `${DATA}micro.tmp.json`;
await Promise.all([
  runPinned(1, here("statements.mjs"), ["--json", statementsFile]),
  P.micro ? runPinned(0, here("micro.mjs"), [...(quick ? ["--quick"] : []), "--json", microFile]) : null,
]);
const statements = JSON.parse(readFileSync(statementsFile, "utf8"));
const micro = P.micro ? JSON.parse(readFileSync(microFile, "utf8")) : undefined;

// ---------- servers ----------
log("starting servers on CPU 0");
const specs = [
  ["bare-http", "servers/bare.mjs", ["http", db1k]],
  ["bare-fastify", "servers/bare.mjs", ["fastify", db1k]],
  ["bare-express", "servers/bare.mjs", ["express", db1k]],
  ["bare-express-structure", "servers/bare.mjs", ["express-structure", db1k]],
  ["tessera-express-1k", "servers/tessera.mjs", ["express", db1k]],
  ["tessera-fastify-1k", "servers/tessera.mjs", ["fastify", db1k]],
  ["tessera-express-auth", "servers/tessera.mjs", ["express", dbAuth]],
  ["better-auth", "servers/better-auth.mjs", []],
];
if (P.with1m) specs.push(["tessera-express-1m", "servers/tessera.mjs", ["express", db1m]]);
if (hasCacheOption) specs.push(["tessera-express-1k-nocache", "servers/tessera.mjs", ["express", db1k, "0"]], ["tessera-fastify-1k-nocache", "servers/tessera.mjs", ["fastify", db1k, "0"]]);
const servers = {};
for (const s of await Promise.all(specs.map(([name, script, args]) => startServer(name, 0, here(script), args)))) servers[s.name] = s;
const fastifyMode = servers["tessera-fastify-1k"].mode;
await sleep(300);
const idleRss = Object.fromEntries(Object.values(servers).map((s) => [s.name, Math.round(rssMB(s.pid))]));
log(`tessera on Fastify: ${fastifyMode}`);

// Better Auth: one user signed up, its session cookie for the protected route.
const ba = servers["better-auth"].base;
const baHeaders = { "content-type": "application/json", origin: ba };
const baUp = await fetch(`${ba}/api/auth/sign-up/email`, { method: "POST", headers: baHeaders, body: JSON.stringify({ email: "bench@example.com", password: authUsers.password, name: "Bench" }) });
if (baUp.status !== 200) throw new Error(`Better Auth sign-up: ${baUp.status} ${await baUp.text()}`);
const baCookie = baUp.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");

// ---------- cases ----------
const bearer = (t) => ({ authorization: `Bearer ${t}` });
const signinBody = JSON.stringify({ formFields: [{ id: "email", value: authUsers.users[0].email }, { id: "password", value: authUsers.password }] });
const C = [];
const add = (id, label, server, target, extra = {}) => C.push({ id, label, server, ...target, ...extra });
add("hello.http", "Bare node:http hello-world", "bare-http", { path: "/" }, { full: true });
// The bare routes get the request the protected ones get (one session's bearer token) and answer the same body.
add("hello.fastify", "Bare Fastify: the seed route unguarded, same request and body", "bare-fastify", { path: "/protected", headers: bearer(live1k.accessTokens[0]) });
add("hello.express", "Bare Express: the seed route unguarded, same request and body", "bare-express", { path: "/protected", headers: bearer(live1k.accessTokens[0]) });
add("floor.verify", "Floor: Fastify + one RS256 verify, 1k distinct tokens", "bare-fastify", { path: "/floor/verify", tokens: live1k.accessTokens });
add("floor.verify.express", "Floor: Express + one RS256 verify, 1k distinct tokens", "bare-express", { path: "/floor/verify", tokens: live1k.accessTokens });
add("express.structure", "Express, the seed's shape with nothing of tessera's (no-op app.use, a guard setting req.session)", "bare-express-structure", { path: "/protected", headers: bearer(live1k.accessTokens[0]) });
add("floor.refresh", "Floor: Express + one RS256 sign + one SQLite transaction", "bare-express", { path: "/floor/refresh", method: "POST" });
for (const [fw, srv] of [["express", "tessera-express-1k"], ["fastify", "tessera-fastify-1k"]]) {
  const F = fw === "express" ? "Express" : "Fastify";
  add(`${fw}.verify.repeated`, `tessera on ${F}: seed route, one token repeated`, srv, { path: "/protected", headers: bearer(live1k.accessTokens[0]) });
  add(`${fw}.verify.distinct`, `tessera on ${F}: seed route, 1k distinct tokens`, srv, { path: "/protected", tokens: live1k.accessTokens });
  add(`${fw}.verifydb.repeated`, `tessera on ${F}: seed route + checkDatabase, one token`, srv, { path: "/protected-db", headers: bearer(live1k.accessTokens[0]), full: fw === "fastify" });
  add(`${fw}.verifydb.distinct`, `tessera on ${F}: seed route + checkDatabase, 1k tokens`, srv, { path: "/protected-db", tokens: live1k.accessTokens, full: true });
  if (hasCacheOption) add(`${fw}.verify.distinct.nocache`, `tessera on ${F}: seed route, 1k distinct tokens, verifiedTokenCacheSize 0`, `${srv}-nocache`, { path: "/protected", tokens: live1k.accessTokens });
}
add("express.refresh", "tessera refresh (Express, SQLite, 1k sessions), 1k distinct refresh tokens", "tessera-express-1k", { path: "/auth/session/refresh", method: "POST", tokens: live1k.refreshTokens });
if (P.with1m) {
  add("express.1m.verify.distinct", "tessera on Express, 1M sessions stored: seed route, 1k distinct tokens", "tessera-express-1m", { path: "/protected", tokens: live1m.accessTokens });
  add("express.1m.verify.repeated", "tessera on Express, 1M sessions stored: seed route, one token", "tessera-express-1m", { path: "/protected", headers: bearer(live1m.accessTokens[0]), full: true });
  add("express.1m.refresh", "tessera refresh, 1M sessions stored, 1k distinct refresh tokens", "tessera-express-1m", { path: "/auth/session/refresh", method: "POST", tokens: live1m.refreshTokens });
}
add("ba.getSession", "Better Auth: route calling auth.api.getSession", "better-auth", { path: "/protected", headers: { cookie: baCookie } });
add("ba.signin", "Better Auth: sign-in (email+password), c=8", "better-auth", { path: "/api/auth/sign-in/email", method: "POST", headers: baHeaders, body: JSON.stringify({ email: "bench@example.com", password: authUsers.password }), connections: P.signinConnections, slow: true });
add("tessera.signin", "tessera: sign-in (email+password), c=8", "tessera-express-auth", { path: "/auth/signin", method: "POST", headers: { "content-type": "application/json", "st-auth-mode": "header" }, body: signinBody, connections: P.signinConnections, slow: true });
add("tessera.signin_totp", "tessera: sign-in + TOTP (two requests; flows/s), c=8", "tessera-express-auth", { flow: true, slow: true });

// In ORDER (at the top): the two sides of each ratio sit next to each other, measured close in time.
C.sort((a, b) => ORDER.indexOf(a.id) - ORDER.indexOf(b.id));
let cases = C.filter((c) => !(quick && c.full));
if (P.only) cases = cases.filter((c) => new RegExp(P.only).test(c.id));
// Quick runs, --no-1m and a build without the cache option drop cases: say so rather than measure nothing.
if (cases.length === 0) usage(`--only ${P.only} matches no case of this run (quick runs skip ${C.filter((c) => c.full).map((c) => c.id).join(", ")})`);
const flowClient = makeSignInTotpClient({ base: servers["tessera-express-auth"].base, users: authUsers.users.slice(cursor), password: authUsers.password });

// Smoke: every case answers 200 with the expected body before any load.
for (const c of cases) {
  if (c.flow) continue;
  const base = servers[c.server].base;
  const headers = { ...(c.headers ?? {}), ...(c.tokens ? bearer(c.tokens[1]) : {}) };
  const r = await fetch(base + c.path, { method: c.method ?? "GET", headers, body: c.body });
  const text = await r.text();
  if (r.status !== 200 || /WRONG_CREDENTIALS|"status":"(?!OK)/.test(text)) throw new Error(`smoke ${c.id}: ${r.status} ${text.slice(0, 200)}`);
}
await flowClient.flow();

// ---------- interleaved rounds ----------
const sampler = rssSampler(Object.values(servers));
const runs = [];
const estimate = cases.reduce((s, c) => s + (c.slow ? P.signinDuration + Math.max(1, P.warmup) : P.duration + P.warmup) + 0.3, 0) * P.rounds;
log(`${cases.length} cases × ${P.rounds} rounds, about ${Math.round(estimate)} s of load`);
for (let r = 0; r < P.rounds; r++) {
  // Rounds come in mirrored pairs (each pair of neighbours is measured A-then-B, then B-then-A);
  // each pair of rounds starts at a different place in the list.
  const shift = Math.floor(r / 2) * 5;
  const forward = cases.map((_, i) => cases[(i + shift) % cases.length]);
  const order = r % 2 === 0 ? forward : forward.reverse();
  for (const c of order) {
    const base = servers[c.server].base;
    const duration = c.slow ? P.signinDuration : P.duration;
    // Quick runs warm each case up in the first round only (the servers stay warm between rounds).
    const warmup = quick && r > 0 ? 0 : c.slow ? Math.max(quick ? 0.5 : 1, P.warmup) : P.warmup;
    const loadBefore = os.loadavg()[0];
    let res;
    const pid = servers[c.server].pid;
    let cpu0;
    if (c.flow) {
      if (warmup > 0) await flowClient.run({ duration: warmup, connections: P.signinConnections });
      sampler.window(c.server);
      cpu0 = cpuSeconds(pid);
      res = await flowClient.run({ duration, connections: P.signinConnections });
    } else {
      const target = { url: base + c.path, method: c.method, headers: c.headers, body: c.body, tokens: c.tokens, connections: c.connections };
      if (warmup > 0) await runAutocannon(target, { duration: warmup, connections: P.connections });
      sampler.window(c.server);
      cpu0 = cpuSeconds(pid);
      res = await runAutocannon(target, { duration, connections: P.connections });
    }
    // Server CPU per request: what the case costs the server, whatever else runs on the machine.
    const cpu = cpuSeconds(pid) - cpu0;
    res.cpuUsPerReq = (cpu * 1e6) / res.total;
    res.serverBusy = cpu / res.seconds;
    runs.push({ round: r, id: c.id, ...res, rss: sampler.window(c.server), load: loadBefore });
    log(`r${r + 1} ${c.id.padEnd(32)} ${res.rps.toFixed(res.rps < 100 ? 1 : 0).padStart(7)} req/s  p50 ${+res.p50.toFixed(1)} p99 ${+res.p99.toFixed(1)} ms  cpu ${res.cpuUsPerReq.toFixed(0)} µs/req, server busy ${(res.serverBusy * 100).toFixed(0)}%  rss ${runs.at(-1).rss?.toFixed(0)} MB${res.non2xx || res.errors ? `  non2xx ${res.non2xx} errors ${res.errors}` : ""}`);
  }
}
writeFileSync(cursorFile, JSON.stringify({ next: (cursor + flowClient.used() + 1) % authUsers.users.length || 1 }));
sampler.stop();
const peaks = sampler.peaks();
await Promise.all(Object.values(servers).map((s) => s.stop()));

// ---------- results ----------
const res = { date: new Date().toISOString().slice(0, 10), caseOrder: cases.map((c) => c.id), cases: {}, checks: [] };
for (const c of cases) {
  const rs = runs.filter((x) => x.id === c.id);
  res.cases[c.id] = {
    label: c.label, server: c.server,
    rps: median(rs.map((x) => x.rps)), p50: median(rs.map((x) => x.p50)), p99: median(rs.map((x) => x.p99)),
    rpsAll: rs.map((x) => Math.round(x.rps * 10) / 10), non2xx: rs.reduce((s, x) => s + x.non2xx, 0), errors: rs.reduce((s, x) => s + x.errors, 0),
    cpuUsPerReq: median(rs.map((x) => x.cpuUsPerReq)), serverBusy: median(rs.map((x) => x.serverBusy)),
    rssPeakMB: Math.max(...rs.map((x) => x.rss ?? 0)), loadavg: rs.map((x) => x.load),
  };
}
const perRoundRatio = (a, b, metric = (x, y) => x.rps / y.rps) => median([...Array(P.rounds).keys()].map((r) => {
  const x = runs.find((q) => q.round === r && q.id === a);
  const y = runs.find((q) => q.round === r && q.id === b);
  return x && y ? metric(x, y) : NaN;
}));
// The same ratio from server CPU per request (den's cost ÷ num's cost): what the throughput ratio
// is on a core the server has to itself. Robust to other processes; blind to a saturated client.
const cpuRatio = (a, b) => perRoundRatio(a, b, (x, y) => y.cpuUsPerReq / x.cpuUsPerReq);
const fmt = (n) => Math.round(n).toLocaleString("en-US");
function ratioCheck(label, short, a, b, target, note) {
  if (!res.cases[a] || !res.cases[b]) return;
  const value = perRoundRatio(a, b);
  const check = { kind: "min-ratio", label, short, num: a, den: b, value, cpuRatio: cpuRatio(a, b), target, targetText: target === undefined ? "" : `≥ ${target}×`, note,
    figures: `${fmt(res.cases[a].rps)} vs ${fmt(res.cases[b].rps)}` };
  if (target !== undefined) {
    check.holds = value >= target;
    check.missBy = `${((1 - value / target) * 100).toFixed(0)}% short`;
    check.holdsByCpu = check.cpuRatio >= target;
  }
  res.checks.push(check);
}
ratioCheck("Fastify protected, repeated token ÷ bare Fastify", "Fastify, repeated ÷ bare", "fastify.verify.repeated", "hello.fastify", 0.8);
ratioCheck("Fastify protected, 1k distinct tokens ÷ floor (one verify per request)", "Fastify, distinct ÷ floor", "fastify.verify.distinct", "floor.verify", 0.85);
ratioCheck("Fastify protected, distinct tokens, cache off ÷ floor", "Fastify, distinct, no cache ÷ floor", "fastify.verify.distinct.nocache", "floor.verify", 0.85);
ratioCheck("Express protected, repeated token ÷ bare Express", "Express, repeated ÷ bare", "express.verify.repeated", "hello.express", 0.9);
ratioCheck("Express protected, repeated token ÷ the seed's shape without tessera (tessera's own work)", undefined, "express.verify.repeated", "express.structure", undefined);
ratioCheck("The seed's shape without tessera ÷ bare Express (what the shape costs Express)", undefined, "express.structure", "hello.express", undefined);
ratioCheck("Express protected, 1k distinct tokens ÷ bare Express", "Express, distinct ÷ bare", "express.verify.distinct", "hello.express", 0.9);
// With the cache off every request pays one RSA verify: priced against the floor of one verify, as on Fastify.
ratioCheck("Express protected, distinct tokens, cache off ÷ floor (one verify per request)", "Express, distinct, no cache ÷ floor", "express.verify.distinct.nocache", "floor.verify.express", 0.85);
ratioCheck("Express protected, distinct tokens, cache off ÷ bare Express", undefined, "express.verify.distinct.nocache", "hello.express", undefined);
ratioCheck("Fastify protected, repeated token ÷ Better Auth getSession", "Fastify ÷ Better Auth", "fastify.verify.repeated", "ba.getSession", 15);
ratioCheck("Fastify protected, distinct tokens ÷ Better Auth getSession", "Fastify distinct ÷ Better Auth", "fastify.verify.distinct", "ba.getSession", 15);
ratioCheck("Express protected, repeated token ÷ Better Auth getSession", "Express ÷ Better Auth", "express.verify.repeated", "ba.getSession", 15);
ratioCheck("Sign-in ÷ Better Auth sign-in", "Sign-in ÷ Better Auth", "tessera.signin", "ba.signin", 6);
ratioCheck("Sign-in + TOTP (flows) ÷ Better Auth sign-in", undefined, "tessera.signin_totp", "ba.signin", undefined);
ratioCheck("Refresh (SQLite) ÷ floor (sign + transaction)", "Refresh ÷ floor", "express.refresh", "floor.refresh", 0.8);
ratioCheck("Verify, 1M sessions stored ÷ 1k (distinct tokens)", "Verify 1M ÷ 1k", "express.1m.verify.distinct", "express.verify.distinct", 0.95);
ratioCheck("Refresh, 1M sessions stored ÷ 1k", "Refresh 1M ÷ 1k", "express.1m.refresh", "express.refresh", 0.9);
ratioCheck("Express checkDatabase ÷ Express protected (repeated)", undefined, "express.verifydb.repeated", "express.verify.repeated", undefined);
ratioCheck("Fastify checkDatabase ÷ Fastify protected (repeated)", undefined, "fastify.verifydb.repeated", "fastify.verify.repeated", undefined);

// Added server CPU per request, from the same figures: 1/rps(case) - 1/rps(bare framework), in µs.
const addedUs = (a, b) => (res.cases[a] && res.cases[b] ? (1 / res.cases[a].rps - 1 / res.cases[b].rps) * 1e6 : NaN);
for (const [a, b, what] of [
  ["floor.verify", "hello.fastify", "one raw RS256 verify (floor), Fastify"],
  ["fastify.verify.repeated", "hello.fastify", "tessera, repeated token, Fastify"],
  ["fastify.verify.distinct.nocache", "hello.fastify", "tessera, distinct tokens, cache off, Fastify"],
  ["express.verify.repeated", "hello.express", "tessera, repeated token, Express"],
  ["express.verify.distinct.nocache", "hello.express", "tessera, distinct tokens, cache off, Express"],
]) {
  const us = addedUs(a, b);
  if (Number.isFinite(us)) res.checks.push({ kind: "info", label: `Added server CPU per request: ${what}`, value: us, display: `${us.toFixed(1)} µs` });
}
const st = (name) => statements[name] ?? { statements: NaN, transactions: NaN };
const stText = (s) => `${s.statements} (${s.reads} read, ${s.writes} write; ${s.transactions} explicit tx)`;
// `extra` returns why the operation misses beyond the count (or undefined when it does not).
const stCheck = (label, name, max, extra) => {
  const s = st(name);
  const miss = !Number.isFinite(s.statements) ? "not measured" : s.statements > max ? `${s.statements - max} over` : extra?.(s);
  res.checks.push({ kind: "max", label: `DB statements: ${label}`, value: s.statements, display: stText(s), target: max, targetText: extra ? `≤ ${max}, one transaction` : `${max === 0 ? "0" : `≤ ${max}`}`, holds: miss === undefined, missBy: miss });
};
// One transaction: a single statement in autocommit is one (SQLite and PostgreSQL run each
// statement as its own transaction), or several statements all inside one explicit transaction.
// Only a refresh that succeeded and wrote counts: a 401 after one read proves nothing.
const refreshInOneTransaction = (s) => {
  if (s.status !== 200) return `refresh answered ${s.status}`;
  if (s.writes < 1) return "no statement wrote the refresh";
  if (s.statements === 1 || (s.transactions === 1 && s.inTransaction === s.statements)) return undefined;
  return `${s.statements} statements, ${s.statements - s.inTransaction} of them in autocommit, not one transaction`;
};
stCheck("verify", "verify (seed route, 2fa-completed)", 0);
stCheck("verify with checkDatabase", "verify with checkDatabase", 1);
stCheck("refresh", "refresh", 2, refreshInOneTransaction);
for (const name of ["sign-in (email+password)", "TOTP verify (second factor)", "first verify after a refresh (commits the new refresh token)", "refresh with a child not committed yet (promotes it)"]) {
  res.checks.push({ kind: "info", label: `DB statements: ${name}`, value: st(name).statements, display: stText(st(name)) });
}
// Only servers that served a case of this run count: an idle one says nothing about the target.
const loaded = new Set(cases.map((c) => c.server));
const tesseraPeaks = Object.entries(peaks).filter(([n]) => n.startsWith("tessera-express") && loaded.has(n));
const [memName, memPeak] = tesseraPeaks.sort((a, b) => b[1] - a[1])[0] ?? ["-", NaN];
if (tesseraPeaks.length === 0) res.checks.push({ kind: "info", label: "Memory: peak RSS of the demo-like server under load", value: null, display: "not measured: no case of this run loaded a tessera Express server" });
else res.checks.push({ kind: "max", label: "Memory: peak RSS of the demo-like server under load", value: memPeak, display: `${memPeak.toFixed(0)} MB (${memName}; ${idleRss[memName]} MB idle; bare Express peak ${Math.round(peaks["bare-express"] ?? NaN)} MB)`, target: 150, targetText: "< 150 MB", holds: memPeak < 150, missBy: `${(memPeak - 150).toFixed(0)} MB over` });
if (micro) {
  const vr = micro.verifyRatios;
  const key = Object.keys(vr).find((k) => /1k tokens, cache off|^tessera verify, 1k tokens \//.test(k));
  if (key) res.checks.push({ kind: "ratio", label: `Micro: ${key.replace(" / floor", "")} ÷ raw node:crypto verify`, value: vr[key] });
  const keyOn = Object.keys(vr).find((k) => /repeated, cache on/.test(k));
  if (keyOn) res.checks.push({ kind: "ratio", label: "Micro: tessera verify, repeated, cache on ÷ raw node:crypto verify", value: vr[keyOn] });
  res.checks.push({ kind: "ratio", label: "Micro: tessera refresh ÷ sign + transaction (in-process)", value: micro.refreshRatios["tessera refresh / floor (sign + transaction)"] });
  const h = Object.entries(micro.hash).map(([k, x]) => `${k.split(" ")[0] === "tessera" ? "argon2id" : "BA scrypt"} ${x.msPerHash.toFixed(1)} ms`).join(", ");
  res.checks.push({ kind: "info", label: "Password hash per sign-in (one core)", value: h, display: h });
}

const table = markdownTable(res);
const loads = runs.map((x) => x.load);
const summary = {
  date: new Date().toISOString(), params: P, node: process.version, cpus: os.cpus().map((c) => c.model).slice(0, 2), loadavgDuringRun: { min: Math.min(...loads), median: median(loads), max: Math.max(...loads) },
  tessera: { head, srcDirty: dirty, distBuiltAt: dist.builtAt, hasVerifiedTokenCacheOption: hasCacheOption, fastifyMode },
  cases: res.cases, checks: res.checks, statements, rssPeaksMB: peaks, rssIdleMB: idleRss, micro, runs,
};
mkdirSync(here("results"), { recursive: true });
const stamp = new Date().toISOString().replace(/[:]/g, "-").slice(0, 19);
// Quick and partial (--only) runs are for the developer at hand: suffixed, and gitignored.
const suffix = quick ? "-quick" : P.only ? "-partial" : "";
const resultFile = here(`results/${stamp}${suffix}.json`);
writeFileSync(resultFile, JSON.stringify(summary, null, 1));
writeFileSync(here(`results/${stamp}${suffix}.svg`), ratioChartSvg(res));
// The committed table and chart are a full run's: a quick or partial (--only) run, or --no-readme,
// leaves them alone.
const updateLatest = !quick && !P.only && !flag("--no-readme");
if (updateLatest) writeFileSync(here("results/latest.svg"), ratioChartSvg(res));
const header = `tessera bench ${summary.date.slice(0, 16)}Z${quick ? " (quick)" : ""}: ${P.rounds} round${P.rounds === 1 ? "" : "s"} × ${P.duration} s (sign-in ${P.signinDuration} s), c=${P.connections}; Node ${process.version}; ${summary.cpus[0]}; load average during the run ${summary.loadavgDuringRun.min.toFixed(1)}–${summary.loadavgDuringRun.max.toFixed(1)}; tessera on Fastify: ${fastifyMode}; verified-token cache option: ${hasCacheOption ? "yes" : "no"}.`;
console.log(`\n${header}\n\n${table}\n`);
if (summary.loadavgDuringRun.max > 2.5) console.log(`⚠ Other processes were using the CPUs (load average up to ${summary.loadavgDuringRun.max.toFixed(1)} on 2 cores): absolute figures are low and ratios noisier.\n`);
console.log(`results: ${resultFile}\nchart:   ${updateLatest ? here("results/latest.svg") : resultFile.replace(/\.json$/, ".svg")}`);

if (updateLatest) {
  const readme = here("README.md");
  const start = "<!-- bench:latest:start -->";
  const end = "<!-- bench:latest:end -->";
  if (existsSync(readme)) {
    const text = readFileSync(readme, "utf8");
    if (text.includes(start) && text.includes(end)) {
      const block = `${start}\n${header}\n\n${table}\n\nRaw figures: \`${resultFile.slice(resultFile.indexOf("results/"))}\`. Chart: ![ratios](results/latest.svg)\n${end}`;
      writeFileSync(readme, text.slice(0, text.indexOf(start)) + block + text.slice(text.indexOf(end) + end.length));
    }
  }
}
log("done");

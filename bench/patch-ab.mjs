// A/B a src/ change without touching the working tree: copies packages/tessera to a temporary
// directory, applies a patch there, builds it, and measures both builds side by side over HTTP
// (same interleaved method as run.mjs; servers on CPU 0, load on CPU 1). A is the repo's built
// package (npm run build -w tessera first), B the patched copy.
//   node bench/patch-ab.mjs <patch> [--rounds N] [--duration S] [--keep]
// To measure uncommitted work against HEAD, give it the reverse diff (B is then HEAD):
//   git diff -R -- packages/tessera/src > before.patch && node bench/patch-ab.mjs before.patch
// Needs the fixtures of a previous `npm run bench` (bench/.data/sessions-1k.db, live-1k.json).
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runAutocannon } from "./lib/load.mjs";
import { cpuSeconds, startServer } from "./lib/proc.mjs";
import { median } from "./lib/stats.mjs";

const here = (rel) => fileURLToPath(new URL(rel, import.meta.url));
const root = here("../");
const argv = process.argv.slice(2);
if (!process.env.TESSERA_BENCH_PINNED) {
  const r = spawnSync("taskset", ["-c", "1", process.execPath, here("patch-ab.mjs"), ...argv], { stdio: "inherit", env: { ...process.env, TESSERA_BENCH_PINNED: "1" } });
  process.exit(r.status ?? 1);
}
const patch = argv[0] && (await import("node:path")).resolve(argv[0]);
if (!patch || !existsSync(patch)) throw new Error("usage: node bench/patch-ab.mjs <patch> [--rounds N] [--duration S]");
const opt = (name, dflt) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : dflt);
const rounds = opt("--rounds", 5);
const duration = opt("--duration", 3);

// A copy of the repo's package with the patch, resolving every other module from the repo.
const tmp = mkdtempSync(join(tmpdir(), "tessera-ab-"));
mkdirSync(`${tmp}/node_modules`, { recursive: true });
cpSync(`${root}packages/tessera`, `${tmp}/packages/tessera`, { recursive: true, filter: (src) => !/\/(dist|node_modules|test)(\/|$)/.test(src.slice(root.length)) });
cpSync(`${root}tsconfig.base.json`, `${tmp}/tsconfig.base.json`);
for (const dir of [`${root}node_modules`, `${root}bench/node_modules`]) {
  for (const name of readdirSync(dir)) {
    if (name === "tessera" || name.startsWith(".") || existsSync(`${tmp}/node_modules/${name}`)) continue;
    symlinkSync(`${dir}/${name}`, `${tmp}/node_modules/${name}`);
  }
}
symlinkSync(`${tmp}/packages/tessera`, `${tmp}/node_modules/tessera`);
cpSync(here("servers"), `${tmp}/bench/servers`, { recursive: true });
cpSync(here("lib"), `${tmp}/bench/lib`, { recursive: true });
symlinkSync(here(".data"), `${tmp}/bench/.data`);
execFileSync("patch", ["-p1", "-d", tmp, "-i", patch], { stdio: "inherit" });
execFileSync(process.execPath, [`${tmp}/packages/tessera/scripts/build.mjs`], { stdio: "inherit" });

const db = here(".data/sessions-1k.db");
const live = JSON.parse(readFileSync(here(".data/live-1k.json"), "utf8"));
const start = (name, script, args) => startServer(name, 0, script, args);
const S = {
  bareFastify: await start("bare-fastify", here("servers/bare.mjs"), ["fastify", db]),
  bareExpress: await start("bare-express", here("servers/bare.mjs"), ["express", db]),
  aFastify: await start("A fastify", here("servers/tessera.mjs"), ["fastify", db]),
  bFastify: await start("B fastify", `${tmp}/bench/servers/tessera.mjs`, ["fastify", db]),
  aExpress: await start("A express", here("servers/tessera.mjs"), ["express", db]),
  bExpress: await start("B express", `${tmp}/bench/servers/tessera.mjs`, ["express", db]),
  aFastifyNc: await start("A fastify nocache", here("servers/tessera.mjs"), ["fastify", db, "0"]),
  bFastifyNc: await start("B fastify nocache", `${tmp}/bench/servers/tessera.mjs`, ["fastify", db, "0"]),
};
const rep = { authorization: `Bearer ${live.accessTokens[0]}` };
const cases = [
  ["bare Fastify", S.bareFastify, { path: "/protected", headers: rep }],
  ["A: Fastify, repeated token", S.aFastify, { path: "/protected", headers: rep }],
  ["B: Fastify, repeated token", S.bFastify, { path: "/protected", headers: rep }],
  ["A: Fastify, distinct, cache off", S.aFastifyNc, { path: "/protected", tokens: live.accessTokens }],
  ["B: Fastify, distinct, cache off", S.bFastifyNc, { path: "/protected", tokens: live.accessTokens }],
  ["bare Express", S.bareExpress, { path: "/protected", headers: rep }],
  ["A: Express, repeated token", S.aExpress, { path: "/protected", headers: rep }],
  ["B: Express, repeated token", S.bExpress, { path: "/protected", headers: rep }],
];
const runs = [];
for (const [, s, t] of cases) await runAutocannon({ url: s.base + t.path, headers: t.headers, tokens: t.tokens }, { duration: 1, connections: 50 });
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < cases.length; i++) {
    const [name, s, t] = cases[(i + r) % cases.length];
    const c0 = cpuSeconds(s.pid);
    const x = await runAutocannon({ url: s.base + t.path, headers: t.headers, tokens: t.tokens }, { duration, connections: 50 });
    runs.push({ r, name, rps: x.rps, cpu: ((cpuSeconds(s.pid) - c0) * 1e6) / x.total, bad: x.non2xx + x.errors });
  }
}
await Promise.all(Object.values(S).map((s) => s.stop()));
if (!argv.includes("--keep")) rmSync(tmp, { recursive: true, force: true });
else console.log(`patched build kept in ${tmp}`);
const ratio = (a, b, f = (x, y) => x.rps / y.rps) => median([...Array(rounds).keys()].map((r) => f(runs.find((q) => q.r === r && q.name === a), runs.find((q) => q.r === r && q.name === b))));
console.log(`\n${patch}: ${rounds} rounds × ${duration} s`);
for (const [name] of cases) {
  const rs = runs.filter((q) => q.name === name);
  console.log(`  ${name.padEnd(34)} ${Math.round(median(rs.map((q) => q.rps))).toString().padStart(7)} req/s  ${median(rs.map((q) => q.cpu)).toFixed(1).padStart(7)} µs CPU/req${rs.some((q) => q.bad) ? "  (non-2xx/errors!)" : ""}`);
}
const cpuR = (x, y) => y.cpu / x.cpu;
for (const [a, b] of [["A: Fastify, repeated token", "bare Fastify"], ["B: Fastify, repeated token", "bare Fastify"], ["A: Express, repeated token", "bare Express"], ["B: Express, repeated token", "bare Express"], ["B: Fastify, repeated token", "A: Fastify, repeated token"], ["B: Fastify, distinct, cache off", "A: Fastify, distinct, cache off"], ["B: Express, repeated token", "A: Express, repeated token"]]) {
  console.log(`  ${`${a} ÷ ${b}`.padEnd(64)} ${ratio(a, b).toFixed(2)}× req/s   ${ratio(a, b, cpuR).toFixed(2)}× from CPU/req`);
}

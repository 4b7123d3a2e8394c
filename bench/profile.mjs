// Where a server's CPU goes under load: runs one bench server under `node --cpu-prof` on CPU 0,
// drives it from CPU 1 with autocannon, and prints self and inclusive time per function.
//   node bench/profile.mjs <fastify|express|bare-fastify|bare-express|bare-express-structure> [--path /protected] [--distinct] [--cache N] [--duration S] [--keep]
//   node bench/profile.mjs express --refresh     POST /auth/session/refresh with the 1,000 sessions' refresh tokens in turn
// Needs the fixtures of a previous `npm run bench` (bench/.data/sessions-1k.db, live-1k.json) and
// the built package. The profile is written to bench/.data/profiles/ (gitignored with .data/).
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runAutocannon } from "./lib/load.mjs";

const here = (rel) => fileURLToPath(new URL(rel, import.meta.url));
const argv = process.argv.slice(2);
if (!process.env.TESSERA_BENCH_PINNED) {
  const r = spawnSync("taskset", ["-c", "1", process.execPath, here("profile.mjs"), ...argv], { stdio: "inherit", env: { ...process.env, TESSERA_BENCH_PINNED: "1" } });
  process.exit(r.status ?? 1);
}
const opt = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const kind = argv[0] ?? "fastify";
const refresh = argv.includes("--refresh");
const path = refresh ? "/auth/session/refresh" : opt("--path", "/protected");
const duration = Number(opt("--duration", 8));
const dir = here(".data/profiles/");
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

const db = here(".data/sessions-1k.db");
const live = JSON.parse(readFileSync(here(".data/live-1k.json"), "utf8"));
const [script, args] = kind.startsWith("bare-") ? [here("servers/bare.mjs"), [kind.slice(5), db]] : [here("servers/tessera.mjs"), [kind, db, opt("--cache", "default")]];
const child = spawn("taskset", ["-c", "0", process.execPath, "--cpu-prof", `--cpu-prof-dir=${dir}`, script, ...args], { stdio: ["ignore", "pipe", "inherit"] });
const port = await new Promise((resolve) => {
  let buf = "";
  child.stdout.on("data", (d) => {
    buf += d;
    const m = /ready (\d+)/.exec(buf);
    if (m) resolve(Number(m[1]));
  });
});
const target = { url: `http://127.0.0.1:${port}${path}` };
if (refresh) Object.assign(target, { method: "POST", tokens: live.refreshTokens });
else if (argv.includes("--distinct")) target.tokens = live.accessTokens;
else target.headers = { authorization: `Bearer ${live.accessTokens[0]}` };
await runAutocannon(target, { duration: 2, connections: 50 }); // warm-up, also profiled (JIT settles)
const r = await runAutocannon(target, { duration, connections: 50 });
console.log(`${kind} ${path}${target.tokens ? " (distinct tokens)" : ""}: ${Math.round(r.rps)} req/s, non-2xx ${r.non2xx}`);
await new Promise((resolve) => {
  child.once("exit", resolve);
  child.kill("SIGTERM");
});

const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
const profile = JSON.parse(readFileSync(dir + file, "utf8"));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const label = (n) => {
  const { functionName, url, lineNumber } = n.callFrame;
  const m = /node_modules\/((@[^/]+\/)?[^/]+)|packages\/tessera\/dist\/esm\/(.*)|(node:[^/]+|internal\/.*)$/.exec(url);
  const where = m ? m[1] ?? m[3] ?? m[4] : url.split("/").slice(-2).join("/") || "(vm)";
  const text = `${functionName || "(anon)"} ${where}:${lineNumber + 1}`;
  if (/packages\/tessera\/dist\/|\/bench\/(servers|lib)\//.test(url)) ours.add(text);
  return text;
};
// Labels of functions in tessera's build and in the bench's own server code.
const ours = new Set();
const self = new Map();
const inclusive = new Map();
let total = 0;
let idle = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  const node = byId.get(profile.samples[i]);
  total += dt;
  if (node.callFrame.functionName === "(idle)") idle += dt;
  self.set(label(node), (self.get(label(node)) ?? 0) + dt);
  const seen = new Set();
  for (let id = node.id; id !== undefined; id = parent.get(id)) {
    const l = label(byId.get(id));
    if (seen.has(l)) continue;
    seen.add(l);
    inclusive.set(l, (inclusive.get(l) ?? 0) + dt);
  }
}
const busy = total - idle;
const top = (map, n, filter = () => true) =>
  [...map].filter(([l]) => filter(l)).sort((a, b) => b[1] - a[1]).slice(0, n).map(([l, t]) => `${((100 * t) / busy).toFixed(1).padStart(5)}%  ${l}`).join("\n");
// The 2 s warm-up is in the profile too: shares are of all busy time, not per measured request.
console.log(`busy ${(busy / 1e6).toFixed(2)} s of ${(total / 1e6).toFixed(2)} s profiled (warm-up included)`);
console.log(`\nself time (share of busy):\n${top(self, 30, (l) => !l.startsWith("(idle)"))}`);
const isTessera = (l) => ours.has(l) && !/ (servers|lib)\/\S*$/.test(l);
const tesseraSelf = [...self].filter(([l]) => isTessera(l)).reduce((sum, [, t]) => sum + t, 0);
console.log(`\nself time in tessera's own functions, all together: ${((100 * tesseraSelf) / busy).toFixed(1)}% of busy; the largest:\n${top(self, 12, isTessera)}`);
console.log(`\ninclusive time, functions of tessera and of the bench's server code:\n${top(inclusive, 30, (l) => ours.has(l))}`);
if (!argv.includes("--keep")) rmSync(dir, { recursive: true, force: true });
else console.log(`\nprofile: ${dir}${file}`);

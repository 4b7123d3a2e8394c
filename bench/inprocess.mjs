// The verify path in one process, where figures repeat within a few percent (over HTTP, an A/A
// run of patch-ab.mjs differs by 3-9%): for judging small changes to the hot path.
//   node bench/inprocess.mjs fastify [--distinct] [--cache N]
//                                                     the Fastify preHandler (µs a call); on a cached
//                                                     token unless --cache 0 (verifiedTokenCacheSize)
//   node bench/inprocess.mjs floor [--distinct]        the floor of a miss: one node:crypto RS256 verify
//                                                     of the same token (lib/floor.mjs, as servers/bare.mjs)
//   node bench/inprocess.mjs express <bare|structure|structure-session|middleware|guard>
//                                                     Express app.handle on fresh IncomingMessage and
//                                                     ServerResponse objects (µs a request): the route
//                                                     alone; the seed's structure with nothing of ours
//                                                     (a no-op app.use and a no-op guard); the same
//                                                     with the guard setting req.session to an object;
//                                                     with tessera's middleware; and guarded too
// Pin it (taskset -c 0) and compare builds side by side. For a change of 1-2%, count instructions
// instead (the same figure within ~1% whatever else the machine runs): with `--calls N` it makes N
// calls and exits, so under valgrind --tool=callgrind, with node's --single-threaded --predictable
// --random-seed=1 --hash-seed=1, (count at N=24000 - count at N=4000) / 20000 is the cost of one.
// Tokens expire an hour after `npm run bench` (or seed.mjs live) made them. Needs the fixtures of a previous
// `npm run bench` (bench/.data/sessions-1k.db, live-1k.json) and the built package.
import http from "node:http";
import { readFileSync } from "node:fs";
import { initTessera, withSecondFactor } from "./lib/tessera-app.mjs";

const [kind = "fastify", mode = "guard"] = process.argv.slice(2);
const data = (file) => new URL(`./.data/${file}`, import.meta.url);
const live = JSON.parse(readFileSync(data("live-1k.json"), "utf8"));
const distinct = process.argv.includes("--distinct");
const tokenFor = (i) => (distinct ? live.accessTokens[i % live.accessTokens.length] : live.accessTokens[0]);
const cacheAt = process.argv.indexOf("--cache");
const verifiedTokenCacheSize = cacheAt > 0 ? Number(process.argv[cacheAt + 1]) : undefined;
initTessera({ database: `sqlite:${data("sessions-1k.db").pathname}`, framework: kind === "express" ? "express" : "fastify", verifiedTokenCacheSize });

/** One call of the case under test; resolves when it has finished. */
let once;
if (kind === "fastify") {
  const { verifySession } = await import("tessera/framework/fastify");
  const guard = verifySession({ overrideGlobalClaimValidators: withSecondFactor });
  // Shaped as Fastify's request and reply, as far as the guard reads them.
  const reply = () => ({ sent: false, raw: { headersSent: false }, getHeader() {}, header() { return this; }, removeHeader() {} });
  once = (i) => {
    const authorization = `Bearer ${tokenFor(i)}`;
    const raw = { url: "/protected", method: "GET", rawHeaders: ["host", "127.0.0.1", "authorization", authorization], headers: { host: "127.0.0.1", authorization }, socket: { remoteAddress: "127.0.0.1" } };
    const request = { raw, method: "GET", url: "/protected", headers: raw.headers };
    return new Promise((resolve, reject) => guard(request, reply(), (error) => (error ? reject(error) : request.session ? resolve() : reject(new Error("no session")))));
  };
} else if (kind === "floor") {
  const { floorVerify, loadKeysByHeader } = await import("./lib/floor.mjs");
  const keysByHeader = loadKeysByHeader(data("sessions-1k.db").pathname);
  once = async (i) => {
    if (!floorVerify(keysByHeader, tokenFor(i))) throw new Error("floor: not verified");
  };
} else if (kind === "express") {
  const express = (await import("express")).default;
  const adapter = await import("tessera/framework/express");
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  let finished;
  const liked = (req, res) => {
    res.json({ status: "OK", message: "Comment liked", userId: req.session?.getUserId() ?? "live-00000000-0000-0000-0000-000000000000" });
    finished();
  };
  const session = { getUserId: () => "live-00000000-0000-0000-0000-000000000000" };
  if (mode.startsWith("structure")) app.use((_req, _res, next) => next());
  else if (mode !== "bare") app.use(adapter.middleware());
  if (mode === "guard") app.get("/protected", adapter.verifySession({ overrideGlobalClaimValidators: withSecondFactor }), liked);
  else if (mode === "structure") app.get("/protected", (_req, _res, next) => next(), liked);
  else if (mode === "structure-session") app.get("/protected", (req, _res, next) => ((req.session = session), next()), liked);
  else app.get("/protected", liked);
  once = (i) =>
    new Promise((resolve, reject) => {
      finished = resolve;
      const req = new http.IncomingMessage(null);
      const authorization = `Bearer ${tokenFor(i)}`;
      req.method = "GET";
      req.url = "/protected";
      req.rawHeaders = ["host", "127.0.0.1", "authorization", authorization];
      req.headers = { host: "127.0.0.1", authorization };
      app.handle(req, new http.ServerResponse(req), (error) => reject(error ?? new Error("fell through")));
    });
} else {
  throw new Error("usage: node bench/inprocess.mjs <fastify|floor|express> [bare|middleware|guard] [--distinct] [--cache N]");
}

async function run(n) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await once(i);
  return Number(process.hrtime.bigint() - started) / n / 1000;
}
// --calls N: just N calls, no timing: for counting instructions under valgrind (run two Ns and
// subtract, so start-up and warm-up cancel).
const callsAt = process.argv.indexOf("--calls");
if (callsAt > 0) {
  await run(Number(process.argv[callsAt + 1]));
  process.exit(0);
}
for (let i = 0; i < 3; i++) await run(20_000);
const figures = [];
for (let i = 0; i < 7; i++) figures.push(await run(kind === "express" ? 50_000 : kind === "floor" || verifiedTokenCacheSize === 0 ? 5_000 : 100_000));
figures.sort((a, b) => a - b);
console.log(`${kind}${kind === "express" ? ` ${mode}` : ""}${distinct ? " (distinct tokens)" : ""}${verifiedTokenCacheSize === undefined ? "" : ` (cache ${verifiedTokenCacheSize})`}: median ${figures[3].toFixed(2)} µs (min ${figures[0].toFixed(2)}, max ${figures[6].toFixed(2)}; 7 runs)`);
process.exit(0);

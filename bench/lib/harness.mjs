// Interleaved micro-benchmark harness: every case runs once per round for a fixed time, the
// start of each round rotates, so machine noise falls on all cases alike. A case may have an
// untimed `enter()` (e.g. switch tessera's configuration) run before each of its slots.
import { median } from "./stats.mjs";

async function timeCase(c, ms) {
  if (c.enter) await c.enter();
  const batch = c.batch ?? 16;
  let n = 0;
  const t0 = performance.now();
  const end = t0 + ms;
  let now = t0;
  if (c.async) {
    while (now < end) { for (let i = 0; i < batch; i++) await c.fn(); n += batch; now = performance.now(); }
  } else {
    while (now < end) { for (let i = 0; i < batch; i++) c.fn(); n += batch; now = performance.now(); }
  }
  return (n * 1000) / (now - t0);
}

export async function runInterleaved(cases, { rounds = 5, ms = 500, warmupMs = 200 } = {}) {
  for (const c of cases) await timeCase(c, warmupMs);
  const perRound = [];
  for (let r = 0; r < rounds; r++) {
    const row = {};
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(i + r) % cases.length];
      row[c.name] = await timeCase(c, c.ms ?? ms);
    }
    perRound.push(row);
  }
  const results = {};
  for (const c of cases) results[c.name] = { median: median(perRound.map((x) => x[c.name])), all: perRound.map((x) => Math.round(x[c.name])) };
  return { results, perRound };
}

export const roundRatio = (perRound, a, b) => median(perRound.map((x) => x[a] / x[b]));

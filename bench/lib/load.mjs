// Load generation (runs in run.mjs, pinned to the load core): autocannon for request/response
// cases, a small fetch client for the two-request sign-in + TOTP flow.
import autocannon from "autocannon";
import { median } from "./stats.mjs";
import { totpCode } from "./totp.mjs";

/**
 * One autocannon run. `target`: { url, method, headers, body, tokens?, tokenHeader? }. With
 * `tokens`, each request takes the next token of one counter shared by all connections, so
 * consecutive requests carry different tokens and a token comes back only every tokens.length
 * requests (autocannon's own `requests` array would let all connections walk it in step).
 */
export async function runAutocannon(target, { duration, connections }) {
  const opts = { url: target.url, connections: target.connections ?? connections, duration, method: target.method ?? "GET", headers: target.headers ?? {} };
  if (target.body !== undefined) opts.body = target.body;
  if (target.tokens) {
    const tokens = target.tokens;
    let i = 0;
    opts.requests = [{
      setupRequest: (req) => {
        req.headers = { ...req.headers, authorization: `Bearer ${tokens[i++ % tokens.length]}` };
        return req;
      },
    }];
  }
  const res = await autocannon(opts);
  const seconds = (new Date(res.finish) - new Date(res.start)) / 1000;
  return {
    rps: res.requests.total / seconds,
    total: res.requests.total,
    seconds,
    p50: res.latency.p50,
    p99: res.latency.p99,
    non2xx: res.non2xx,
    errors: res.errors + res.timeouts,
  };
}

/**
 * Sign-in followed by TOTP, each flow for a user not used before in this process (the replay
 * guard accepts one code per user and time step). Counts completed flows per second.
 */
export function makeSignInTotpClient({ base, users, password }) {
  let next = 0;
  async function flow() {
    const user = users[next++];
    if (!user) throw new Error("sign-in + TOTP: user pool exhausted; raise the pool size in run.mjs");
    const r1 = await fetch(`${base}/auth/signin`, {
      method: "POST",
      headers: { "content-type": "application/json", "st-auth-mode": "header", rid: "emailpassword" },
      body: JSON.stringify({ formFields: [{ id: "email", value: user.email }, { id: "password", value: password }] }),
    });
    const b1 = await r1.json();
    const token = r1.headers.get("st-access-token");
    if (r1.status !== 200 || b1.status !== "OK" || !token) throw new Error(`sign-in: ${r1.status} ${JSON.stringify(b1)}`);
    const r2 = await fetch(`${base}/auth/totp/verify`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}`, rid: "totp" },
      body: JSON.stringify({ totp: totpCode(user.secret) }),
    });
    const b2 = await r2.json();
    if (r2.status !== 200 || b2.status !== "OK") throw new Error(`totp: ${r2.status} ${JSON.stringify(b2)}`);
    return r2.headers.get("st-access-token");
  }
  async function run({ duration, connections }) {
    const end = performance.now() + duration * 1000;
    const t0 = performance.now();
    const lat = [];
    let errors = 0;
    let firstError;
    await Promise.all(Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        try {
          await flow();
          lat.push(performance.now() - s);
        } catch (e) {
          errors++;
          firstError ??= e;
          if (errors > 20) break;
        }
      }
    }));
    const seconds = (performance.now() - t0) / 1000;
    if (firstError) console.error(`  sign-in+TOTP: ${errors} errors, first: ${firstError.message}`);
    const sorted = [...lat].sort((a, b) => a - b);
    return { rps: lat.length / seconds, total: lat.length, seconds, p50: median(lat), p99: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))], non2xx: 0, errors };
  }
  return { flow, run, used: () => next };
}

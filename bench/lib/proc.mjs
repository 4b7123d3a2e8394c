// Child processes pinned to a core with taskset, and their resident memory.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

export function pinned(cpu, script, args, { env } = {}) {
  return spawn("taskset", ["-c", String(cpu), process.execPath, script, ...args], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } });
}

/** Runs a script to completion on a core; resolves with its stdout. */
export function runPinned(cpu, script, args, opts) {
  return new Promise((resolve, reject) => {
    const child = pinned(cpu, script, args, opts);
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${script} ${args.join(" ")} exited with ${code}`))));
  });
}

// Servers still running when this process exits (a finished run stops its own first): killed,
// so that a run that fails half-way leaves nothing pinned to the server core to skew the next.
const live = new Set();
process.on("exit", () => {
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

/** Starts a server on a core; resolves once it prints "ready <port> [mode]". */
export function startServer(name, cpu, script, args, { timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = pinned(cpu, script, args);
    live.add(child);
    child.once("exit", () => live.delete(child));
    let buf = "";
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`${name}: not ready after ${timeoutMs} ms`)); }, timeoutMs);
    const early = (code) => { clearTimeout(timer); reject(new Error(`${name} exited early (${code})`)); };
    child.on("exit", early);
    child.stdout.on("data", (d) => {
      buf += d;
      const m = /ready (\d+) ?(.*)/.exec(buf);
      if (!m) return;
      clearTimeout(timer);
      child.stdout.removeAllListeners("data");
      child.stdout.resume();
      child.off("exit", early);
      resolve({
        name, pid: child.pid, port: Number(m[1]), mode: m[2].trim(), base: `http://127.0.0.1:${m[1]}`,
        stop: () => new Promise((res) => { if (child.exitCode !== null) return res(); child.once("exit", res); child.kill("SIGTERM"); setTimeout(() => child.kill("SIGKILL"), 3000).unref(); }),
      });
    });
  });
}

export function rssMB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Samples the RSS of every server every `everyMs`; `window()` returns and resets the max seen per server since the last call. */
export function rssSampler(servers, everyMs = 200) {
  const peak = new Map();
  const windowPeak = new Map();
  const tick = () => {
    for (const s of servers) {
      const v = rssMB(s.pid);
      if (!Number.isFinite(v)) continue;
      peak.set(s.name, Math.max(peak.get(s.name) ?? 0, v));
      windowPeak.set(s.name, Math.max(windowPeak.get(s.name) ?? 0, v));
    }
  };
  const timer = setInterval(tick, everyMs);
  return {
    window: (name) => { tick(); const v = windowPeak.get(name); windowPeak.delete(name); return v; },
    peaks: () => Object.fromEntries(peak),
    stop: () => clearInterval(timer),
  };
}

const CLK_TCK = 100; // USER_HZ on Linux (getconf CLK_TCK)
/** CPU time (user + system, all threads) a process has used, in seconds; 10 ms resolution. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}

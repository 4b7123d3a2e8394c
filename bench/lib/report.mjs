// The printed table (markdown, also pasted into the README) and the SVG chart of the ratios.
import { fmtMs, fmtNum, fmtRatio } from "./stats.mjs";

const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function markdownTable(res) {
  const lines = [];
  lines.push("| Case / check | req/s (median) | p50 / p99 ms | server CPU µs/req (busy) | Ratio, req/s (median of per-round) | Ratio from CPU/req | Target | Holds |");
  lines.push("|---|---:|---:|---:|---:|---:|---:|:---:|");
  for (const c of res.caseOrder) {
    const x = res.cases[c];
    if (!x) continue;
    const flag = x.non2xx + x.errors > 0 ? ` ⚠ ${x.non2xx} non-2xx, ${x.errors} errors` : "";
    lines.push(`| ${x.label}${flag} | ${fmtNum(x.rps)} | ${fmtMs(x.p50)} / ${fmtMs(x.p99)} | ${fmtNum(x.cpuUsPerReq)} (${Math.round(x.serverBusy * 100)}%) | | | | |`);
  }
  for (const k of res.checks) {
    let holds = k.target === undefined ? "info" : k.holds ? "yes" : `**no** (${k.missBy})`;
    if (k.target !== undefined && k.holdsByCpu !== undefined && k.holdsByCpu !== k.holds) holds += `; by CPU/req: ${k.holdsByCpu ? "yes" : "no"}`;
    const measured = k.kind === "ratio" || k.kind === "min-ratio" ? fmtRatio(k.value) : k.display ?? String(k.value);
    const cpu = Number.isFinite(k.cpuRatio) ? fmtRatio(k.cpuRatio) : "";
    lines.push(`| **${k.label}** | ${k.figures ?? ""} | | | ${measured} | ${cpu} | ${k.targetText ?? ""} | ${holds} |`);
  }
  return lines.join("\n");
}

/** Horizontal bars: each ratio divided by its target (1.0 = exactly on target), log scale. */
export function ratioChartSvg(res) {
  const items = res.checks.filter((k) => k.target !== undefined && (k.kind === "min-ratio") && Number.isFinite(k.value));
  const W = 840, rowH = 26, left = 330, top = 58, plotW = W - left - 150;
  const H = top + items.length * rowH + 40;
  const lo = Math.log10(0.05), hi = Math.log10(4);
  const x = (v) => left + ((Math.log10(Math.min(Math.max(v, 0.05), 4)) - lo) / (hi - lo)) * plotW;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="10" y="20" font-size="14" font-weight="bold">${esc(`tessera bench ${res.date}: measured ratio ÷ target`)}</text>`);
  out.push(`<text x="10" y="38" fill="#444">${esc("bar: req/s ratio (median of per-round ratios); black tick: the ratio from server CPU per request; log scale, right of 1 = target holds")}</text>`);
  for (const t of [0.1, 0.25, 0.5, 1, 2]) {
    out.push(`<line x1="${x(t)}" y1="${top - 6}" x2="${x(t)}" y2="${top + items.length * rowH}" stroke="${t === 1 ? "#333" : "#ddd"}" stroke-width="${t === 1 ? 2 : 1}"/>`);
    out.push(`<text x="${x(t)}" y="${top + items.length * rowH + 16}" text-anchor="middle" fill="#555">${t}</text>`);
  }
  items.forEach((k, i) => {
    const y = top + i * rowH;
    const rel = k.value / k.target;
    out.push(`<text x="${left - 8}" y="${y + 16}" text-anchor="end">${esc(k.short ?? k.label)}</text>`);
    out.push(`<rect x="${x(0.05)}" y="${y + 4}" width="${Math.max(1, x(rel) - x(0.05))}" height="${rowH - 8}" fill="${rel >= 1 ? "#3a9a5b" : "#d0583a"}"/>`);
    if (Number.isFinite(k.cpuRatio)) out.push(`<line x1="${x(k.cpuRatio / k.target)}" y1="${y + 2}" x2="${x(k.cpuRatio / k.target)}" y2="${y + rowH - 2}" stroke="#000" stroke-width="2"><title>from CPU per request</title></line>`);
    out.push(`<text x="${left + plotW + 12}" y="${y + 16}" fill="#222">${esc(`${fmtRatio(k.value)} (target ${fmtRatio(k.target)})`)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n");
}

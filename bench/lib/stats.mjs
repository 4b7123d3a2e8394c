export const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const fmtNum = (n) => (!Number.isFinite(n) ? "–" : n >= 100 ? Math.round(n).toLocaleString("en-US") : n >= 10 ? n.toFixed(1) : n.toFixed(2));
export const fmtRatio = (r) => (!Number.isFinite(r) ? "–" : r >= 10 ? `${r.toFixed(1)}×` : `${r.toFixed(2)}×`);
export const fmtMs = (n) => (!Number.isFinite(n) ? "–" : n < 10 ? n.toFixed(2) : n.toFixed(0));
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

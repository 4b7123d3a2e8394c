// Signature algorithms for the access token, measured side by side: verify runs on every
// request, sign on every sign-in and refresh. Interleaved rounds; medians printed.
//   node bench/algorithms.mjs [rounds=5] [msPerCase=500]
import { generateKeyPairSync, sign, verify } from "node:crypto";

const rounds = Number(process.argv[2] ?? 5);
const ms = Number(process.argv[3] ?? 500);
const payload = Buffer.from(JSON.stringify({ sub: "u".repeat(36), rsub: "u".repeat(36), exp: 2e9, iat: 1.9e9, sessionHandle: "h".repeat(36), refreshTokenHash1: "a".repeat(64), parentRefreshTokenHash1: null, antiCsrfToken: null, tId: "public", iss: "http://localhost:3000/auth", "st-mfa": { c: { emailpassword: 1.9e9 }, v: false }, "2fa-completed": { v: false, t: 1.9e12 } })).toString("base64url");
const input = Buffer.from(`eyJhbGciOiJSUzI1NiJ9.${payload}`);

const algorithms = {
  RS256: { pair: generateKeyPairSync("rsa", { modulusLength: 2048 }), digest: "sha256" },
  ES256: { pair: generateKeyPairSync("ec", { namedCurve: "P-256" }), digest: "sha256", dsaEncoding: "ieee-p1363" },
  EdDSA: { pair: generateKeyPairSync("ed25519"), digest: null },
};
const cases = [];
for (const [name, a] of Object.entries(algorithms)) {
  const opts = (key) => (a.dsaEncoding ? { key, dsaEncoding: a.dsaEncoding } : key);
  const signature = sign(a.digest, input, opts(a.pair.privateKey));
  cases.push({ name: `${name} verify`, run: () => verify(a.digest, input, opts(a.pair.publicKey), signature) });
  cases.push({ name: `${name} sign`, run: () => sign(a.digest, input, opts(a.pair.privateKey)) });
}
const results = Object.fromEntries(cases.map((c) => [c.name, []]));
for (let r = 0; r < rounds; r++) {
  for (const c of [...cases.slice(r % cases.length), ...cases.slice(0, r % cases.length)]) {
    const end = performance.now() + ms;
    let n = 0;
    while (performance.now() < end) for (let i = 0; i < 20; i++, n++) c.run();
    results[c.name].push((n * 1000) / ms);
  }
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
console.log("case              ops/s (median of %d rounds)", rounds);
for (const [name, xs] of Object.entries(results)) console.log(name.padEnd(17), Math.round(median(xs)).toString().padStart(8));

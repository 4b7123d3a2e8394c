/** The published signing keys: external verification and key rotation (protocol 1.2). */
import { createPublicKey, verify, type JsonWebKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { accessTokenOf, decodeJwt, send, sharedApp, signIn } from "./helpers.js";

async function jwks(url: string): Promise<{ keys: (JsonWebKey & { kid: string; alg: string; use: string })[] }> {
  const res = await send(url, "GET", "/auth/jwt/jwks.json");
  expect(res.status).toBe(200);
  return res.body as unknown as { keys: (JsonWebKey & { kid: string; alg: string; use: string })[] };
}

/** Verifies an RS256 JWT with nothing but node:crypto and a JWK, as an external service would. */
function verifiesWith(token: string, jwk: JsonWebKey): boolean {
  const [header = "", payload = "", signature = ""] = token.split(".");
  const key = createPublicKey({ key: jwk, format: "jwk" });
  return verify("RSA-SHA256", Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, "base64url"));
}

/** Keys rotate every minute here, so the rotation tests need no long clock jumps. */
const app = sharedApp({ session: { signingKeyRotationInterval: 60 } });

describe("JWKS endpoint", () => {
  it("lists an RS256 signing key with the access token's kid", async () => {
    const c = app.client("cookie");
    await signIn(c);
    const kid = decodeJwt(accessTokenOf(c)).header.kid as string;
    const { keys } = await jwks(app.url);
    const key = keys.find((k) => k.kid === kid);
    expect(key).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig", kid, e: "AQAB" });
    expect(key).not.toHaveProperty("d");
    expect(keys.every((k) => !("d" in k) && !("p" in k) && !("q" in k))).toBe(true);
  });

  it("publishes a key with which node:crypto alone verifies an issued access token", async () => {
    const c = app.client("header");
    await signIn(c);
    const token = accessTokenOf(c);
    const key = (await jwks(app.url)).keys.find((k) => k.kid === decodeJwt(token).header.kid)!;
    expect(verifiesWith(token, key)).toBe(true);
    const [h, , s] = token.split(".");
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...decodeJwt(token).payload, sub: "admin" })).toString("base64url")}.${s}`;
    expect(verifiesWith(tampered, key)).toBe(false);
  });
});

describe("signing-key rotation", () => {
  it("signs a session made after the rotation interval with a new kid, while an older unexpired token still verifies", async () => {
    const old = app.client("cookie");
    const oldHandle = await signIn(old);
    const oldToken = accessTokenOf(old);
    const oldKid = decodeJwt(oldToken).header.kid;
    app.clock.advance(61_000);
    const fresh = app.client("cookie");
    await signIn(fresh);
    const newKid = decodeJwt(accessTokenOf(fresh)).header.kid;
    expect(newKid).toMatch(/^d-/);
    expect(newKid).not.toBe(oldKid);
    expect(await old.request("GET", "/verify")).toMatchObject({ status: 200, body: { handle: oldHandle } });
    const { keys } = await jwks(app.url);
    expect(keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
    expect(verifiesWith(oldToken, keys.find((k) => k.kid === oldKid)!)).toBe(true);
  });

  it("signs a refreshed token with the current key", async () => {
    const c = app.client("cookie");
    await signIn(c);
    const before = decodeJwt(accessTokenOf(c)).header.kid;
    app.clock.advance(61_000);
    await c.refresh();
    expect(decodeJwt(accessTokenOf(c)).header.kid).not.toBe(before);
    expect((await c.request("GET", "/verify")).status).toBe(200);
  });
});

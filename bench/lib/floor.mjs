// The floor of a verification: one node:crypto RS256 check of a tessera access token, nothing
// else (no payload decoding, no claims). Shared by the floor route of servers/bare.mjs and by
// inprocess.mjs, so both measure the very same work.
import { createPublicKey, verify, constants } from "node:crypto";
import Database from "better-sqlite3";

/** The tessera database's verification keys, by the header segment tessera's tokens carry for each. */
export function loadKeysByHeader(dbFile) {
  const keys = new Map();
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  for (const row of db.prepare("SELECT kid, public_key FROM signing_keys").all()) {
    const header = Buffer.from(JSON.stringify({ alg: "RS256", typ: "JWT", version: "5", kid: row.kid })).toString("base64url");
    keys.set(header, createPublicKey({ key: JSON.parse(row.public_key), format: "jwk" }));
  }
  db.close();
  return keys;
}

/** One signature check of `token` with the key its header segment names. */
export function floorVerify(keysByHeader, token) {
  const firstDot = token.indexOf(".");
  const lastDot = token.lastIndexOf(".");
  const key = keysByHeader.get(token.slice(0, firstDot));
  if (!key) return false;
  return verify("sha256", Buffer.from(token.slice(0, lastDot)), { key, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(token.slice(lastDot + 1), "base64url"));
}

// Session.createNewSession(req, res, ...) takes Next's req/res through the Express adapter.
import "tessera/framework/express";
import Session from "tessera/recipe/session";
import { ensureInit } from "../../lib/tessera";

// Next.js parsed the JSON body already (and answered 400 itself when it was malformed).
export default async function login(req, res) {
  ensureInit();
  if (req.method !== "POST") return res.status(405).json({ message: "method not allowed" });
  const session = await Session.createNewSession(req, res, "public", String(req.body.userId));
  res.status(200).json({ handle: session.getHandle() });
}

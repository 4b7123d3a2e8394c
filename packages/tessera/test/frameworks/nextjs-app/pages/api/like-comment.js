// The seed's nextjs.ts, unchanged (seed/nextjs.ts); this route only answers what its `//....` leaves open.
import likeComment from "../../seed/nextjs";
import { ensureInit } from "../../lib/tessera";

export default async function handler(req, res) {
  ensureInit();
  await likeComment(req, res);
  res.status(200).json({ userId: req.session.getUserId() });
}

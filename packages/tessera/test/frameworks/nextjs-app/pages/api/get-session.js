// Session.getSession inside the wrapper: its session error either thrown (?via=throw) or passed to next.
import Session from "tessera/recipe/session";
import { superTokensNextWrapper } from "tessera/nextjs";
import { ensureInit } from "../../lib/tessera";

export default async function getSession(req, res) {
  ensureInit();
  await superTokensNextWrapper(async (next) => {
    if (req.query.via === "throw") {
      req.session = await Session.getSession(req, res);
      return next();
    }
    return Session.getSession(req, res).then((session) => {
      req.session = session;
      next();
    }, next);
  }, req, res);
  res.status(200).json({ userId: req.session.getUserId() });
}

import Session from "tessera/recipe/session";
import { withPreParsedRequestResponse } from "tessera/nextjs";
import { ensureInit } from "../../lib/tessera";

export function POST(request) {
  ensureInit();
  return withPreParsedRequestResponse(request, async (req, res) => {
    const body = await req.getJSONBody();
    const session = await Session.createNewSession(req, res, "public", String(body.userId));
    return Response.json({ handle: session.getHandle() });
  });
}

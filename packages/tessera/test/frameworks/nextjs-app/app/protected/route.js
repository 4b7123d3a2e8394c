import { withSession } from "tessera/nextjs";
import { ensureInit } from "../../lib/tessera";

export function GET(request) {
  ensureInit();
  return withSession(request, async (error, session) => {
    if (error) throw error;
    return Response.json({ userId: session.getUserId() });
  });
}

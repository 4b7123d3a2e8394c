// Next.js middleware on the Node.js runtime: withSession answers /mw/protected itself.
import { NextResponse } from "next/server";
import { withSession } from "tessera/nextjs";
import { ensureInit } from "./lib/tessera";

export const config = { matcher: ["/mw/:path*"], runtime: "nodejs" };

export function middleware(request) {
  ensureInit();
  return withSession(request, async (error, session) => {
    if (error) throw error;
    return NextResponse.json({ userId: session.getUserId(), from: "middleware" });
  });
}

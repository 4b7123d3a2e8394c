// App Router: tessera's API.
import { getAppDirRequestHandler } from "tessera/nextjs";
import { ensureInit } from "../../../lib/tessera";

const handler = getAppDirRequestHandler();

function handle(request) {
  ensureInit();
  return handler(request);
}

export { handle as GET, handle as POST, handle as PUT, handle as DELETE, handle as PATCH };

#!/usr/bin/env node
// Prints the route-policy report of an Express app module: every route guarded by verifySession
// and the claim validators that apply to it. See tessera/recipe/session/route-report.
//
//   tessera-route-report ./server.mjs [--export app] [--json]
import { runRouteReportCLI } from "../dist/esm/recipe/session/route-report.js";

const code = await runRouteReportCLI(process.argv.slice(2), {
  importModule: (url) => import(url),
  write: (text) => process.stdout.write(text),
});
// The app module may have opened a server and a database: the report is all we came for.
await new Promise((resolve) => process.stdout.write("", resolve));
process.exit(code);

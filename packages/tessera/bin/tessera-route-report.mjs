#!/usr/bin/env node
// Prints the route-policy report of an Express app module: every route guarded by verifySession
// and the claim validators that apply to it. See tessera/recipe/session/route-report.
//
//   tessera-route-report ./server.mjs [--export app] [--json]
import { runRouteReportCLI } from "../dist/esm/recipe/session/route-report.js";

// stdout carries the report alone (so --json parses): whatever the app prints while it loads or
// starts (a "listening on ..." line) goes to stderr.
const stdout = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr);

const code = await runRouteReportCLI(process.argv.slice(2), {
  importModule: (url) => import(url),
  write: (text) => stdout(text),
});
// The app module may have opened a server and a database: the report is all we came for.
await new Promise((resolve) => stdout("", resolve));
process.exit(code);

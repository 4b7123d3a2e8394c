// A tessera server configured as the demo: node bench/servers/tessera.mjs <express|fastify> <db file> [cacheSize]
// Prints "ready <port> <mode>" once listening on 127.0.0.1 (port chosen by the OS).
import { createExpressApp, createFastifyApp, initTessera } from "../lib/tessera-app.mjs";

const [kind, dbFile, cacheArg] = process.argv.slice(2);
const verifiedTokenCacheSize = cacheArg === undefined || cacheArg === "default" ? undefined : Number(cacheArg);
initTessera({ database: `sqlite:${dbFile}`, framework: kind, verifiedTokenCacheSize });

if (kind === "express") {
  const app = await createExpressApp();
  const server = app.listen(0, "127.0.0.1", () => console.log(`ready ${server.address().port} express`));
} else if (kind === "fastify") {
  const { app, mode } = await createFastifyApp();
  await app.listen({ port: 0, host: "127.0.0.1" });
  console.log(`ready ${app.server.address().port} ${mode}`);
} else {
  throw new Error(`unknown framework ${kind}`);
}
// A clean exit (also lets `node --cpu-prof` write its profile).
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(0));

/**
 * One app instance of the cross-process lockout test, run as its own Node process (bundled from
 * the sources by the test): Express, Session + EmailPassword + MultiFactorAuth + TOTP, on the
 * database that DATABASE_URL names, with `limits` from LIMITS (JSON). Prints "LISTENING <port>".
 */
import express from "express";
import tessera from "../../src/index.js";
import type { LimitsConfig } from "../../src/core/limits.js";
import { errorHandler, middleware } from "../../src/framework/express/index.js";
import EmailPassword from "../../src/recipe/emailpassword/index.js";
import MultiFactorAuth from "../../src/recipe/multifactorauth/index.js";
import Session from "../../src/recipe/session/index.js";
import TOTP from "../../src/recipe/totp/index.js";

const apiDomain = "http://127.0.0.1";
tessera.init({
  framework: "express",
  appInfo: { appName: "Limits", apiDomain, websiteDomain: apiDomain },
  database: process.env.DATABASE_URL,
  limits: JSON.parse(process.env.LIMITS ?? "{}") as LimitsConfig,
  recipeList: [Session.init(), EmailPassword.init({ emailDelivery: { sendEmail: async () => {} } }), MultiFactorAuth.init({ firstFactors: ["emailpassword"] }), TOTP.init()],
});

const app = express();
app.use(middleware());
app.use(errorHandler());
const server = app.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`LISTENING ${typeof address === "object" && address ? address.port : 0}\n`);
});
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => void tessera.reset().then(() => process.exit(0)));
});

// One app instance of the multi-process test (issue 5), run as its own Node process: Express,
// tessera's Express middleware, Session + EmailPassword + MultiFactorAuth (TOTP required) + TOTP,
// on the PostgreSQL database that DATABASE_URL names.
//
// It imports the BUILT package by its public names (`tessera`, `tessera/recipe/...`), exactly as
// an app would, so the test also covers the ESM build, the exports map and pg's lazy import.
//
// Environment: DATABASE_URL (required), PORT (0 picks a free one), API_DOMAIN (the same for every
// instance, as behind one load balancer), ROTATION_SECONDS (signing-key rotation interval).
// Prints "LISTENING <port>" once it serves.
import express from "express";
import tessera from "tessera";
import { errorHandler, middleware } from "tessera/framework/express";
import EmailPassword from "tessera/recipe/emailpassword";
import MultiFactorAuth from "tessera/recipe/multifactorauth";
import Session from "tessera/recipe/session";
import { verifySession } from "tessera/recipe/session/framework/express";
import TOTP from "tessera/recipe/totp";

const apiDomain = process.env.API_DOMAIN ?? "http://127.0.0.1";
const rotation = Number(process.env.ROTATION_SECONDS);

tessera.init({
  framework: "express",
  appInfo: { appName: "Scale", apiDomain, websiteDomain: apiDomain },
  database: process.env.DATABASE_URL,
  recipeList: [
    Session.init(Number.isFinite(rotation) && rotation > 0 ? { signingKeyRotationInterval: rotation } : {}),
    EmailPassword.init({ emailDelivery: { sendEmail: async () => {} } }),
    MultiFactorAuth.init({ firstFactors: ["emailpassword"], requiredSecondaryFactors: ["totp"] }),
    TOTP.init(),
  ],
});

const app = express();
app.use(middleware());
const describe = (req, res) => res.json({ userId: req.session.getUserId(), handle: req.session.getHandle(), pid: process.pid });
// The session alone, whatever its MFA state; and the same checked against the database.
const noClaims = { overrideGlobalClaimValidators: () => [] };
app.get("/session", verifySession(noClaims), describe);
app.get("/session-db", verifySession({ ...noClaims, checkDatabase: true }), describe);
// The app's real protected route: needs the session and completed MFA.
app.get("/protected", verifySession(), describe);
app.use(errorHandler());
app.use((error, _req, res, _next) => {
  res.status(500).json({ message: "internal error", escaped: String(error) });
});

const server = app.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => void tessera.reset().then(() => process.exit(0)));
});

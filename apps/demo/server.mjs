// The Tessera demo: email + password sign-in, TOTP as a required second factor, and the seed's
// guarded route. Everything runs in this one process on SQLite; nothing needs the network.
//
//   PORT              port to listen on (default 3000)
//   DATABASE_URL      storage (default sqlite:./data/tessera.db)
//   API_DOMAIN        public origin of this server (default http://localhost:PORT)
//   ACCESS_TOKEN_VALIDITY  access-token lifetime in seconds (default 3600; tests shorten it)
import express from "express";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import tessera from "tessera";
import Session from "tessera/recipe/session";
import EmailPassword from "tessera/recipe/emailpassword";
import MultiFactorAuth from "tessera/recipe/multifactorauth";
import TOTP from "tessera/recipe/totp";
import { BooleanClaim } from "tessera/recipe/session/claims";
import { errorHandler, middleware } from "tessera/framework/express";
import { verifySession } from "tessera/recipe/session/framework/express";

const here = dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.PORT ?? 3000);
const origin = process.env.API_DOMAIN ?? `http://localhost:${port}`;

// The seed's claim: false until the second factor succeeds.
export const SecondFactorClaim = new BooleanClaim({ key: "2fa-completed", fetchValue: () => false });

tessera.init({
  framework: "express",
  appInfo: { appName: "Tessera demo", apiDomain: origin, websiteDomain: origin, apiBasePath: "/auth", websiteBasePath: "/auth" },
  database: process.env.DATABASE_URL ?? "sqlite:./data/tessera.db",
  recipeList: [
    Session.init({ accessTokenValidity: Number(process.env.ACCESS_TOKEN_VALIDITY ?? 3600) }),
    EmailPassword.init({
      // The demo prints reset links instead of sending mail.
      emailDelivery: { sendEmail: async ({ passwordResetLink, user }) => console.log(`[email] password reset for ${user.email}: ${passwordResetLink}`) },
    }),
    MultiFactorAuth.init({
      firstFactors: ["emailpassword"],
      requiredSecondaryFactors: ["totp"],
      override: {
        functions: (original) => ({
          ...original,
          // The seed's pattern: when the second factor succeeds, set the claim to true. That is the one call.
          markFactorAsCompleteInSession: async (input) => {
            await original.markFactorAsCompleteInSession(input);
            if (input.factorId === "totp") await input.session.setClaimValue(SecondFactorClaim, true, input.userContext);
          },
        }),
      },
    }),
    TOTP.init(),
  ],
});

const app = express();
app.disable("x-powered-by");
app.use(middleware());

// The seed's route, guarded exactly as ../shared/seed/samples/express.ts shows.
app.post(
  "/like-comment",
  verifySession({
    overrideGlobalClaimValidators: (globalValidators) => [...globalValidators, SecondFactorClaim.validators.hasValue(true)],
  }),
  (req, res) => {
    res.json({ status: "OK", message: "Comment liked", userId: req.session.getUserId() });
  },
);

// The pre-built UI, bundled at build time: /app.js and index.html for every other page.
const ui = join(here, "dist", "ui");
if (!existsSync(join(ui, "index.html"))) {
  console.error("The UI bundle is missing: run `npm run build -w tessera-demo` (npm start does it).");
  process.exit(1);
}
const indexHtml = readFileSync(join(ui, "index.html"));
app.get("/app.js", (_req, res) => res.sendFile(join(ui, "app.js")));
// tessera's middleware() above already answered its API paths; every other GET is a page of the app.
app.get("/{*page}", (_req, res) => {
  res.type("html").send(indexHtml);
});

app.use(errorHandler());
app.use((error, _req, res, _next) => {
  console.error(error);
  res.status(500).json({ message: "Internal error" });
});

const server = app.listen(port, () => console.log(`Tessera demo on ${origin} (database: ${process.env.DATABASE_URL ?? "sqlite:./data/tessera.db"})`));
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close();
    tessera.reset().finally(() => process.exit(0));
  });
}

// The Tessera demo: email + password sign-in, then a required second factor (an authenticator app,
// a one-time code by email, or one of the user's recovery codes), "remember this device", and the
// seed's guarded route. Everything runs in this one process on SQLite; nothing needs the network:
// emails (reset links, sign-in codes) are printed to the console.
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
import MultiFactorAuth, { MultiFactorAuthClaim } from "tessera/recipe/multifactorauth";
import Passwordless from "tessera/recipe/passwordless";
import TOTP from "tessera/recipe/totp";
import RecoveryCodes, { RECOVERY_CODE_FACTOR_ID } from "tessera/recipe/recoverycodes";
import { BooleanClaim } from "tessera/recipe/session/claims";
import { errorHandler, middleware } from "tessera/framework/express";
import { verifySession } from "tessera/recipe/session/framework/express";

const here = dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.PORT ?? 3000);
const origin = process.env.API_DOMAIN ?? `http://localhost:${port}`;

// The seed's claim: false until the second factor succeeds.
export const SecondFactorClaim = new BooleanClaim({ key: "2fa-completed", fetchValue: () => false });
// Any one of these completes the second factor: a code from the authenticator app, a code sent by
// email, or a recovery code.
const SECOND_FACTORS = ["totp", "otp-email", RECOVERY_CODE_FACTOR_ID];

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
      // Any one of them completes MFA (the default requirement is "oneOf"). A new user picks TOTP or
      // an emailed code in the pre-built UI's factor chooser; once one is set up, only the factors
      // the user has are offered (protocol 5.4). The pre-built UI does not know recovery codes: our
      // "Use a recovery code" link sits on its code screens (ui/main.tsx).
      requiredSecondaryFactors: SECOND_FACTORS,
      // "Remember this device": the UI offers it right after a second factor (POST /auth/mfa/trusted-device).
      trustedDevices: { validityDays: 30 },
      override: {
        functions: (original) => ({
          ...original,
          // The seed's pattern: when the second factor succeeds, set the claim to true. That is the one
          // call. It is set when MFA is complete rather than for a list of factor ids, so that a
          // sign-in from a remembered device (whose second factor is the device) sets it too.
          markFactorAsCompleteInSession: async (input) => {
            await original.markFactorAsCompleteInSession(input);
            const mfa = await input.session.getClaimValue(MultiFactorAuthClaim, input.userContext);
            if (mfa?.v === true) await input.session.setClaimValue(SecondFactorClaim, true, input.userContext);
          },
        }),
      },
    }),
    TOTP.init(),
    // The emailed one-time code as a second factor (otp-email): the code goes to the user's email, printed here.
    Passwordless.init({
      contactMethod: "EMAIL",
      flowType: "USER_INPUT_CODE",
      emailDelivery: {
        sendEmail: async ({ email, userInputCode, codeLifetime }) =>
          console.log(`[email] sign-in code for ${email}: ${userInputCode} (valid ${Math.round(codeLifetime / 60_000)} min)`),
      },
    }),
    // POST /auth/recovery-codes (the UI asks for a set right after TOTP setup), GET for the count, POST …/verify to use one.
    RecoveryCodes.init(),
  ],
});

const app = express();
app.disable("x-powered-by");
app.use(middleware());

// The seed's route, guarded exactly as the seed's Express sample shows (packages/tessera/test/contract/seed/express.ts).
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
// Anything else (another method on a page, a path under /auth that no recipe serves): JSON, like every other answer of this API.
app.use((_req, res) => {
  res.status(404).json({ message: "Not found" });
});

app.use(errorHandler());
app.use((error, _req, res, _next) => {
  // Express marks the request's own faults (a path that is not valid percent-encoding, a body it
  // could not parse) with a 4xx status: answer those as such, with a message and no internals.
  const status = Number(error?.status ?? error?.statusCode);
  if (status >= 400 && status < 500) return res.status(status).json({ message: "Bad request" });
  console.error(error);
  res.status(500).json({ message: "Internal error" });
});

const server = app.listen(port, () =>
  console.log(`Tessera demo on ${origin} (database: ${process.env.DATABASE_URL ?? "sqlite:./data/tessera.db"})\nSign up at ${origin}/auth/?show=signup`),
);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close();
    tessera.reset().finally(() => process.exit(0));
  });
}

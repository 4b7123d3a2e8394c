/**
 * The email verification suite's app: Session, EmailPassword (sign-up creates the user and the
 * session) and EmailVerification, on a fixed clock at T0, with every verification email captured.
 *
 * Routes: `GET /protected` (verifySession()), `GET /strict` (st-ev refetched when older than
 * 60 s), `GET /opt-in` (adds isVerified to whatever the global list is), and `POST /test/login
 * {userId}` (a session for any user id, as an app's own sign-in would make).
 */
import { afterAll, beforeAll, expect } from "vitest";
import type { SessionRequest } from "../../src/framework/express/index.js";
import EmailPassword from "../../src/recipe/emailpassword/index.js";
import EmailVerification, { EmailVerificationClaim, type EmailVerificationConfig, type EmailVerificationEmailInput } from "../../src/recipe/emailverification/index.js";
import { verifySession } from "../../src/recipe/session/framework/express.js";
import Session from "../../src/recipe/session/index.js";
import { Client, startTestApp, T0_MS, type TestApp } from "../helpers/app.js";
import { readJSON } from "../session/helpers.js";

export { T0_MS };
export const PASSWORD = "correct horse battery staple";

export const EV_FALSE_403 = {
  message: "invalid claim",
  claimValidationErrors: [{ id: "st-ev", reason: { message: "wrong value", expectedValue: true, actualValue: false } }],
};

export interface EvApp {
  readonly url: string;
  readonly clock: TestApp["clock"];
  readonly mails: EmailVerificationEmailInput[];
}

export function evApp(config: Partial<EmailVerificationConfig> = {}): EvApp {
  let app: TestApp | undefined;
  const mails: EmailVerificationEmailInput[] = [];
  beforeAll(async () => {
    app = await startTestApp({
      recipeList: [
        Session.init(),
        EmailPassword.init({ emailDelivery: { sendEmail: () => {} } }),
        EmailVerification.init({ mode: "REQUIRED", emailDelivery: { sendEmail: (input) => void mails.push(input) }, ...config }),
      ],
      routes: (express) => {
        express.post("/test/login", async (req, res) => {
          const { userId } = (await readJSON(req)) as { userId: string };
          await Session.createNewSession(req, res, "public", userId);
          res.json({ status: "OK" });
        });
        express.get("/protected", verifySession(), (req: SessionRequest, res) => res.json({ userId: req.session?.getUserId() }));
        express.get(
          "/strict",
          verifySession({ overrideGlobalClaimValidators: (global) => [...global.filter((v) => v.id !== "st-ev"), EmailVerificationClaim.validators.isVerified(10, 60)] }),
          (_req, res) => res.json({ ok: true }),
        );
        express.get(
          "/opt-in",
          verifySession({ overrideGlobalClaimValidators: (global) => [...global, EmailVerificationClaim.validators.isVerified(10, undefined, "ev-opt-in")] }),
          (_req, res) => res.json({ ok: true }),
        );
      },
    });
  });
  afterAll(async () => app?.close());
  const current = () => {
    if (!app) throw new Error("the email verification app is not started");
    return app;
  };
  return {
    get url() {
      return current().url;
    },
    get clock() {
      return current().clock;
    },
    mails,
  };
}

let counter = 0;
export const newEmail = (): string => `user${++counter}-${Date.now()}@example.com`;

/** Signs up through `POST /auth/signup`; the client holds the new session. */
export async function signUp(app: EvApp, email = newEmail(), tenantId?: string): Promise<{ client: Client; userId: string; email: string }> {
  const client = new Client(app.url);
  const reply = await client.request("POST", `/auth${tenantId ? `/${tenantId}` : ""}/signup`, {
    body: { formFields: [{ id: "email", value: email }, { id: "password", value: PASSWORD }] },
  });
  expect(reply.body?.status).toBe("OK");
  const user = reply.body?.user as { id: string; emails: string[] };
  return { client, userId: user.id, email: user.emails[0] as string };
}

/** Asks for a verification email with the client's session and returns the token of the link it carried. */
export async function requestToken(app: EvApp, client: Client): Promise<string> {
  const before = app.mails.length;
  const reply = await client.request("POST", "/auth/user/email/verify/token");
  expect(reply.body).toEqual({ status: "OK" });
  expect(app.mails).toHaveLength(before + 1);
  return tokenOf(app.mails[before] as EmailVerificationEmailInput);
}

export function tokenOf(mail: EmailVerificationEmailInput): string {
  return new URL(mail.emailVerifyLink).searchParams.get("token") as string;
}

/** `st-ev` as the frontend sees it (from the front-token). */
export const evClaim = (client: Client) => client.frontPayload()?.["st-ev"] as { v: boolean; t: number } | undefined;

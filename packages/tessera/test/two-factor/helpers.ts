/**
 * The two-factor suite's app: configured like apps/demo/server.mjs (Session, EmailPassword,
 * MultiFactorAuth with `requiredSecondaryFactors: ["totp"]` and the demo's override that sets the
 * seed's SecondFactorClaim when totp completes, TOTP) plus the demo's `/like-comment` route, on a
 * fixed clock at T0. Adds the security reference's probes (`/t/2fa`, `/t/write` with a counter)
 * and an app-level account route written the way `updateEmailOrPassword`'s doc comment asks.
 *
 * Also: a mobile client (header mode chosen by sending no `st-auth-mode` at all), token readers
 * for both transfer methods, and TOTP codes computed from the secret the API returned.
 */
import type { Express, Response } from "express";
import { afterAll, beforeAll, expect } from "vitest";
import { base32Decode } from "../../src/core/crypto/base32.js";
import { totpCode } from "../../src/core/crypto/otp.js";
import type { SessionRequest } from "../../src/framework/express/index.js";
import EmailPassword, { type PasswordResetEmailInput } from "../../src/recipe/emailpassword/index.js";
import MultiFactorAuth from "../../src/recipe/multifactorauth/index.js";
import { BooleanClaim } from "../../src/recipe/session/claims/index.js";
import { verifySession } from "../../src/recipe/session/framework/express.js";
import Session from "../../src/recipe/session/index.js";
import TOTP from "../../src/recipe/totp/index.js";
import { Client, startTestApp, T0_MS, type TestApp } from "../helpers/app.js";
import { readJSON } from "../session/helpers.js";

export { T0_MS };

export const PASSWORD = "correct horse battery staple";
export const ACCESS_TOKEN_VALIDITY_S = 3600;

/** The seed's claim (shared/seed/samples/second-factor-claim.ts), as the demo defines it. */
export const SecondFactorClaim = new BooleanClaim({ key: "2fa-completed", fetchValue: () => false });

export const MFA_NOT_SATISFIED = { id: "st-mfa", reason: { message: "MFA requirement for auth is not satisfied" } };
export const TWO_FA_FALSE = { id: "2fa-completed", reason: { message: "wrong value", expectedValue: true, actualValue: false } };
/** `/like-comment` before the second factor: both the global `st-mfa` validator and the seed's claim fail. */
export const LIKE_COMMENT_403 = { message: "invalid claim", claimValidationErrors: [MFA_NOT_SATISFIED, TWO_FA_FALSE] };
/** Protocol 5.4: a user who has set up a factor of the next set may not add another before completing it. */
export const SETUP_NOT_ALLOWED_403 = {
  message: "invalid claim",
  claimValidationErrors: [{ id: "st-mfa", reason: "Completed factors in the session does not satisfy the MFA requirements for auth" }],
};
/** Protocol 4.4: removing a verified device from a session that has not completed MFA. */
export const REMOVE_NOT_ALLOWED_403 = { message: "invalid claim", claimValidationErrors: [MFA_NOT_SATISFIED] };

export interface TwoFactorAppOptions {
  /** Tenant-level required secondary factors; the demo's ["totp"] unless given. */
  requiredSecondaryFactors?: string[];
  firstFactors?: string[];
}

export interface TwoFactorApp {
  readonly url: string;
  readonly clock: TestApp["clock"];
  /** Every password-reset email the recipe asked to send, in order. */
  readonly mails: PasswordResetEmailInput[];
  /** Resolves with the next email the recipe sends. */
  nextMail(): Promise<PasswordResetEmailInput>;
  /** How many times each probe route's handler ran. */
  readonly hits: Record<string, number>;
}

/** One app for the enclosing `describe` (tessera is a singleton): started before its first test, closed after its last. */
export function twoFactorApp(options: TwoFactorAppOptions = {}): TwoFactorApp {
  let app: TestApp | undefined;
  const mails: PasswordResetEmailInput[] = [];
  let waiting: ((input: PasswordResetEmailInput) => void)[] = [];
  const hits: Record<string, number> = { "like-comment": 0, "t/2fa": 0, "t/write": 0, "account/password": 0, "account/email": 0 };
  beforeAll(async () => {
    app = await startTestApp({
      recipeList: [
        Session.init({ accessTokenValidity: ACCESS_TOKEN_VALIDITY_S }),
        EmailPassword.init({
          emailDelivery: {
            sendEmail: async (input) => {
              mails.push(input);
              const resolve = waiting;
              waiting = [];
              for (const r of resolve) r(input);
            },
          },
        }),
        MultiFactorAuth.init({
          firstFactors: options.firstFactors ?? ["emailpassword"],
          requiredSecondaryFactors: options.requiredSecondaryFactors ?? ["totp"],
          override: {
            // The demo's override, verbatim: the seed's pattern of setting the claim when the second factor succeeds.
            functions: (original) => ({
              ...original,
              markFactorAsCompleteInSession: async (input) => {
                await original.markFactorAsCompleteInSession(input);
                if (input.factorId === "totp") await input.session.setClaimValue(SecondFactorClaim, true, input.userContext);
              },
            }),
          },
        }),
        TOTP.init(),
      ],
      routes: (express) => addRoutes(express, hits),
    });
  });
  afterAll(async () => app?.close());
  const current = () => {
    if (!app) throw new Error("the two-factor app is not started");
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
    nextMail: () => new Promise((resolve) => waiting.push(resolve)),
    hits,
  };
}

function addRoutes(app: Express, hits: Record<string, number>): void {
  // The demo's route, guarded exactly as the seed's express sample (the counter is the only addition).
  app.post(
    "/like-comment",
    verifySession({ overrideGlobalClaimValidators: (globalValidators) => [...globalValidators, SecondFactorClaim.validators.hasValue(true)] }),
    (req: SessionRequest, res: Response) => {
      hits["like-comment"]!++;
      res.json({ status: "OK", message: "Comment liked", userId: req.session!.getUserId() });
    },
  );
  // security-cases.md conventions: `/t/2fa` checks only `2fa-completed === true`; `/t/write` uses the global validators (st-mfa).
  app.get("/t/2fa", verifySession({ overrideGlobalClaimValidators: () => [SecondFactorClaim.validators.hasValue(true)] }), (req: SessionRequest, res: Response) => {
    hits["t/2fa"]!++;
    res.json({ userId: req.session!.getUserId() });
  });
  app.post("/t/write", verifySession(), (req: SessionRequest, res: Response) => {
    hits["t/write"]!++;
    res.json({ counter: hits["t/write"], userId: req.session!.getUserId() });
  });

  // The app-level pattern documented on EmailPassword.updateEmailOrPassword: a route that requires
  // a session that completed MFA (the global st-mfa validator) and the current password, then
  // revokes the user's other sessions after a password change.
  const account = (kind: "password" | "email") => async (req: SessionRequest, res: Response) => {
    hits[`account/${kind}`]!++;
    const body = (await readJSON(req)) as { currentPassword?: string; newPassword?: string; newEmail?: string };
    const session = req.session!;
    const user = await EmailPassword.getUserById(session.getUserId());
    const email = user?.emails[0];
    if (email === undefined || typeof body.currentPassword !== "string") return void res.status(400).json({ message: "bad request" });
    const check = await EmailPassword.signIn(session.getTenantId(), email, body.currentPassword);
    if (check.status !== "OK") return void res.json({ status: "WRONG_CREDENTIALS_ERROR" });
    const result =
      kind === "password"
        ? await EmailPassword.updateEmailOrPassword({ recipeUserId: session.getUserId(), password: body.newPassword })
        : await EmailPassword.updateEmailOrPassword({ recipeUserId: session.getUserId(), email: body.newEmail });
    if (result.status === "OK" && kind === "password") {
      for (const handle of await Session.getAllSessionHandlesForUser(session.getUserId())) if (handle !== session.getHandle()) await Session.revokeSession(handle);
    }
    res.json(result);
  };
  app.post("/account/password", verifySession(), account("password"));
  app.post("/account/email", verifySession(), account("email"));
}

// ---- clients ----

export interface Reply {
  status: number;
  body: Record<string, unknown> | undefined;
  headers: Headers;
  text: string;
}

/**
 * A mobile app's client: it sends no `st-auth-mode` header at all (so new sessions come in header
 * mode), no `rid` except `rid: session` on refresh, keeps `st-access-token` / `st-refresh-token` /
 * `front-token` from responses and sends `Authorization: Bearer`. It has no cookie jar.
 */
export class MobileClient {
  accessToken: string | undefined;
  refreshToken: string | undefined;
  frontToken: string | undefined;
  readonly mode = "header" as const;

  constructor(readonly baseUrl: string) {}

  async request(method: string, path: string, init: { body?: unknown; headers?: Record<string, string>; useRefreshToken?: boolean } = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...init.headers };
    if (init.body !== undefined) headers["content-type"] = "application/json";
    const bearer = init.useRefreshToken ? this.refreshToken : this.accessToken;
    if (bearer && !("authorization" in headers)) headers.authorization = `Bearer ${bearer}`;
    const response = await fetch(this.baseUrl + path, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    const access = response.headers.get("st-access-token");
    const refresh = response.headers.get("st-refresh-token");
    const front = response.headers.get("front-token");
    if (access !== null) this.accessToken = access === "" ? undefined : access;
    if (refresh !== null) this.refreshToken = refresh === "" ? undefined : refresh;
    if (front !== null) this.frontToken = front === "remove" ? undefined : front;
    const text = await response.text();
    let body: Record<string, unknown> | undefined;
    try {
      body = text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      body = undefined;
    }
    return { status: response.status, body, headers: response.headers, text };
  }

  refresh(): Promise<Reply> {
    return this.request("POST", "/auth/session/refresh", { headers: { rid: "session" }, useRefreshToken: true });
  }

  frontPayload(): Record<string, unknown> | undefined {
    return this.frontToken === undefined ? undefined : decodeFrontToken(this.frontToken).up;
  }
}

export type AnyClient = Client | MobileClient;

export function newClient(url: string, mode: "cookie" | "header"): AnyClient {
  return mode === "header" ? new MobileClient(url) : new Client(url, "cookie");
}

/** The access token the client holds, whichever transfer method it uses. */
export function accessTokenOf(c: AnyClient): string | undefined {
  return c instanceof MobileClient ? c.accessToken : c.cookie("sAccessToken");
}

/** The tokens a response set: from headers in header mode, from Set-Cookie in cookie mode. */
export function tokensSet(headers: Headers): { access?: string; refresh?: string; front?: string; cookieNames: string[] } {
  const cookies = new Map<string, string>();
  for (const raw of headers.getSetCookie()) {
    const pair = raw.split(";")[0] ?? "";
    cookies.set(pair.slice(0, pair.indexOf("=")), decodeURIComponent(pair.slice(pair.indexOf("=") + 1)));
  }
  return {
    access: headers.get("st-access-token") ?? cookies.get("sAccessToken"),
    refresh: headers.get("st-refresh-token") ?? cookies.get("sRefreshToken"),
    front: headers.get("front-token") ?? undefined,
    cookieNames: [...cookies.keys()].sort(),
  };
}

export function decodeJwt(token: string): Record<string, unknown> {
  const part = token.split(".")[1] ?? "";
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
}

export function decodeFrontToken(value: string): { uid: string; ate: number; up: Record<string, unknown> } {
  return JSON.parse(Buffer.from(value, "base64").toString("utf8")) as { uid: string; ate: number; up: Record<string, unknown> };
}

export const mfaOf = (payload: Record<string, unknown> | undefined) => payload?.["st-mfa"] as { c: Record<string, number>; v: boolean } | undefined;

// ---- flows ----

export const form = (values: Record<string, unknown>) => ({ formFields: Object.entries(values).map(([id, value]) => ({ id, value })) });

let emailCounter = 0;
export const freshEmail = (label = "user"): string => `${label}-${process.pid}-${++emailCounter}@example.com`;

export async function signUp(c: AnyClient, email: string, password = PASSWORD): Promise<{ userId: string; reply: Reply }> {
  const reply = (await c.request("POST", "/auth/signup", { body: form({ email, password }) })) as Reply;
  expect(reply.body?.status, JSON.stringify(reply.body)).toBe("OK");
  return { userId: (reply.body!.user as { id: string }).id, reply };
}

export async function signIn(c: AnyClient, email: string, password = PASSWORD): Promise<Reply> {
  const reply = (await c.request("POST", "/auth/signin", { body: form({ email, password }) })) as Reply;
  expect(reply.body?.status, JSON.stringify(reply.body)).toBe("OK");
  return reply;
}

/** The TOTP code an authenticator app shows for `secret` (base32, as the API returned it) at `timeMs`. */
export const codeFor = (secret: string, timeMs: number): string => totpCode(base32Decode(secret), timeMs);

/** Creates a device through the API and verifies it with the current code; returns its name and secret. */
export async function enrol(app: TwoFactorApp, c: AnyClient, deviceName = "phone"): Promise<{ deviceName: string; secret: string }> {
  const created = await c.request("POST", "/auth/totp/device", { body: { deviceName } });
  expect(created.body?.status, JSON.stringify(created.body)).toBe("OK");
  const secret = created.body!.secret as string;
  const verified = await c.request("POST", "/auth/totp/device/verify", { body: { deviceName, totp: codeFor(secret, app.clock.now()) } });
  expect(verified.body).toEqual({ status: "OK", wasAlreadyVerified: false });
  return { deviceName, secret };
}

/**
 * A user who signed up and enrolled a device at `T0 - 10 min` (so no TOTP step near the time the
 * test runs is used up); the clock is moved forward by 10 min + one step and the user is returned
 * with the (completed) enrolment session.
 */
export async function enrolledUser(app: TwoFactorApp, mode: "cookie" | "header" = "cookie"): Promise<{ email: string; userId: string; secret: string; deviceName: string; client: AnyClient }> {
  const email = freshEmail("enrolled");
  const client = newClient(app.url, mode);
  const { userId } = await signUp(client, email);
  const { deviceName, secret } = await enrol(app, client);
  app.clock.advance(30_000);
  return { email, userId, secret, deviceName, client };
}

/** Verifies the current TOTP code for the client's session (completes the second factor). */
export async function completeTotp(app: TwoFactorApp, c: AnyClient, secret: string): Promise<Reply> {
  app.clock.advance(30_000); // a step no earlier call used
  const reply = (await c.request("POST", "/auth/totp/verify", { body: { totp: codeFor(secret, app.clock.now()) } })) as Reply;
  expect(reply.body, JSON.stringify(reply.body)).toEqual({ status: "OK" });
  return reply;
}

export async function verifiedDevices(userId: string): Promise<string[]> {
  const { devices } = await TOTP.listDevices(userId);
  return devices.filter((d) => d.verified).map((d) => d.name);
}

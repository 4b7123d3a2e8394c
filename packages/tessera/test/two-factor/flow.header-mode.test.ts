/**
 * The whole two-factor flow over plain HTTP, with no browser (issue 3, "Tests that must exist"):
 * first as a mobile client would run it (no `st-auth-mode` header at all, so header tokens, and
 * `Authorization: Bearer`), then the same steps in cookie mode. The app is configured like the
 * demo; codes are computed from the secret the API returned, as an authenticator app would.
 *
 * The steps of one mode share state and run in order.
 */
import { describe, expect, it } from "vitest";
import {
  accessTokenOf,
  ACCESS_TOKEN_VALIDITY_S,
  codeFor,
  decodeFrontToken,
  decodeJwt,
  form,
  freshEmail,
  LIKE_COMMENT_403,
  mfaOf,
  newClient,
  PASSWORD,
  T0_MS,
  tokensSet,
  twoFactorApp,
  type AnyClient,
  type Reply,
} from "./helpers.js";

const app = twoFactorApp();
const T0_S = Math.floor(T0_MS / 1000);

/** Asserts the response carries a complete new session in `mode`'s transfer method, and nothing in the other. */
function expectTokensIn(reply: Reply, mode: "cookie" | "header"): { access: string; front: string } {
  const set = tokensSet(reply.headers);
  expect(set.front, "front-token").toBeTruthy();
  if (mode === "header") {
    expect(reply.headers.get("st-access-token")).toBeTruthy();
    expect(reply.headers.get("st-refresh-token")).toBeTruthy();
    expect(reply.headers.getSetCookie()).toEqual([]);
  } else {
    expect(set.cookieNames).toEqual(["sAccessToken", "sRefreshToken"]);
    expect(set.access).toBeTruthy();
    expect(set.refresh).toBeTruthy();
    expect(reply.headers.get("st-access-token")).toBeNull();
    expect(reply.headers.get("st-refresh-token")).toBeNull();
  }
  return { access: set.access!, front: set.front! };
}

/** A code that is none of the codes the server accepts now (steps T-1..T+1). */
function wrongCode(secret: string, timeMs: number): string {
  const valid = [-30_000, 0, 30_000].map((d) => codeFor(secret, timeMs + d));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, "0");
    if (!valid.includes(candidate)) return candidate;
  }
}

describe.each(["header", "cookie"] as const)("two-factor flow over HTTP (%s mode)", (mode) => {
  let client: AnyClient;
  let email: string;
  let userId: string;
  let secret: string;
  let deviceName: string;
  let accessBeforeTotp: string;

  it("signs up with email and password: a session in this transfer method only, with st-mfa {c:{emailpassword}, v:false}", async () => {
    app.clock.set(T0_MS);
    client = newClient(app.url, mode);
    email = freshEmail(`flow-${mode}`);
    const reply = (await client.request("POST", "/auth/signup", { body: form({ email, password: PASSWORD }) })) as Reply;
    expect(reply.status).toBe(200);
    expect(reply.body?.status).toBe("OK");
    userId = (reply.body!.user as { id: string }).id;
    const { access, front } = expectTokensIn(reply, mode);
    accessBeforeTotp = access;
    const jwt = decodeJwt(access);
    expect(jwt.sub).toBe(userId);
    expect(jwt["st-mfa"]).toEqual({ c: { emailpassword: T0_S }, v: false });
    expect(jwt).not.toHaveProperty("2fa-completed");
    expect(decodeFrontToken(front).up).toEqual(jwt);
  });

  it("is refused by /like-comment with 403 listing the st-mfa and 2fa-completed failures", async () => {
    const before = app.hits["like-comment"];
    const reply = await client.request("POST", "/like-comment");
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual(LIKE_COMMENT_403);
    expect(app.hits["like-comment"]).toBe(before);
  });

  it("PUT /auth/mfa/info answers next [totp], alreadySetup [emailpassword], allowedToSetup [totp] and the sign-up email", async () => {
    const reply = await client.request("PUT", "/auth/mfa/info");
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      status: "OK",
      factors: { next: ["totp"], alreadySetup: ["emailpassword"], allowedToSetup: ["totp"] },
      emails: { emailpassword: [email] },
      phoneNumbers: {},
    });
  });

  it("POST /auth/totp/device without a name answers OK with the default name, a base32 secret and its otpauth URI", async () => {
    const reply = await client.request("POST", "/auth/totp/device", { body: {} });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body ?? {}).sort()).toEqual(["deviceName", "qrCodeString", "secret", "status"]);
    expect(reply.body?.status).toBe("OK");
    deviceName = reply.body!.deviceName as string;
    secret = reply.body!.secret as string;
    expect(deviceName).toBe("TOTP Device 0");
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(reply.body!.qrCodeString as string);
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.searchParams.get("secret")).toBe(secret);
    expect(decodeURIComponent(uri.pathname)).toContain(email);
  });

  it("POST /auth/totp/device/verify with a wrong code answers INVALID_TOTP_ERROR and sends no new token", async () => {
    const reply = await client.request("POST", "/auth/totp/device/verify", { body: { deviceName, totp: wrongCode(secret, app.clock.now()) } });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: "INVALID_TOTP_ERROR", currentNumberOfFailedAttempts: 1, maxNumberOfFailedAttempts: 5 });
    expect(reply.headers.get("front-token")).toBeNull();
    expect((await client.request("POST", "/like-comment")).status).toBe(403);
  });

  it("POST /auth/totp/device/verify with the right code answers OK and, in the same response, new tokens with st-mfa.v and 2fa-completed true", async () => {
    const reply = (await client.request("POST", "/auth/totp/device/verify", { body: { deviceName, totp: codeFor(secret, app.clock.now()) } })) as Reply;
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: "OK", wasAlreadyVerified: false });
    const set = tokensSet(reply.headers);
    expect(set.access, "a new access token").toBeTruthy();
    expect(set.access).not.toBe(accessBeforeTotp);
    expect(set.front, "a new front-token").toBeTruthy();
    if (mode === "header") expect(reply.headers.getSetCookie()).toEqual([]);
    else expect(reply.headers.get("st-access-token")).toBeNull();
    const jwt = decodeJwt(set.access!);
    expect(jwt["st-mfa"]).toEqual({ c: { emailpassword: T0_S, totp: T0_S }, v: true });
    expect(jwt["2fa-completed"]).toEqual({ v: true, t: T0_MS });
    expect(decodeFrontToken(set.front!).up).toEqual(jwt);
  });

  it("/like-comment answers 200 once TOTP is complete", async () => {
    const before = app.hits["like-comment"]!;
    const reply = await client.request("POST", "/like-comment");
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: "OK", message: "Comment liked", userId });
    expect(app.hits["like-comment"]).toBe(before + 1);
  });

  it("once the access token expires, /like-comment asks for a refresh, and the refresh answers 200 {} with tokens that keep both claims", async () => {
    app.clock.advance((ACCESS_TOKEN_VALIDITY_S + 1) * 1000);
    const expired = await client.request("POST", "/like-comment");
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({ message: "try refresh token" });
    const previous = accessTokenOf(client);
    const refreshed = (await client.refresh()) as Reply;
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toEqual({});
    const { access } = expectTokensIn(refreshed, mode);
    expect(access).not.toBe(previous);
    const jwt = decodeJwt(access);
    expect(mfaOf(jwt)?.v).toBe(true);
    expect(jwt["2fa-completed"]).toMatchObject({ v: true });
  });

  it("/like-comment still answers 200 after the refresh", async () => {
    const reply = await client.request("POST", "/like-comment");
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: "OK", message: "Comment liked", userId });
  });

  it("sign-out answers OK and clears the tokens; /like-comment then answers 401", async () => {
    const reply = (await client.request("POST", "/auth/signout", { body: {} })) as Reply;
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: "OK" });
    expect(reply.headers.get("front-token")).toBe("remove");
    if (mode === "header") {
      expect(reply.headers.get("st-access-token")).toBe("");
      expect(reply.headers.get("st-refresh-token")).toBe("");
    } else {
      const cleared = reply.headers.getSetCookie().filter((c) => /^(sAccessToken|sRefreshToken)=;/.test(c));
      expect(cleared).toHaveLength(2);
    }
    expect(accessTokenOf(client)).toBeUndefined();
    const after = await client.request("POST", "/like-comment");
    expect(after.status).toBe(401);
    expect(after.body).toEqual({ message: "unauthorised" });
  });

  it("signing in again gives a first-factor session: st-mfa {c:{emailpassword}, v:false} and no 2fa-completed", async () => {
    const reply = (await client.request("POST", "/auth/signin", { body: form({ email, password: PASSWORD }) })) as Reply;
    expect(reply.status).toBe(200);
    expect(reply.body?.status).toBe("OK");
    const { access, front } = expectTokensIn(reply, mode);
    const jwt = decodeJwt(access);
    expect(jwt["st-mfa"]).toEqual({ c: { emailpassword: Math.floor(app.clock.now() / 1000) }, v: false });
    expect(jwt).not.toHaveProperty("2fa-completed");
    expect(decodeFrontToken(front).up).toEqual(jwt);
  });

  it("/like-comment answers 403 again after the new sign-in", async () => {
    const reply = await client.request("POST", "/like-comment");
    expect(reply.status).toBe(403);
    expect(reply.body).toEqual(LIKE_COMMENT_403);
  });

  it("PUT /auth/mfa/info now lists totp as set up and next, and allows setting up nothing", async () => {
    const reply = await client.request("PUT", "/auth/mfa/info");
    expect(reply.status).toBe(200);
    const factors = reply.body?.factors as { next: string[]; alreadySetup: string[]; allowedToSetup: string[] };
    expect(factors.next).toEqual(["totp"]);
    expect([...factors.alreadySetup].sort()).toEqual(["emailpassword", "totp"]);
    expect(factors.allowedToSetup).toEqual([]);
  });

  it("POST /auth/totp/verify with the next step's code answers OK and sends tokens with st-mfa.v and 2fa-completed true", async () => {
    app.clock.advance(30_000);
    const reply = (await client.request("POST", "/auth/totp/verify", { body: { totp: codeFor(secret, app.clock.now()) } })) as Reply;
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: "OK" });
    const set = tokensSet(reply.headers);
    expect(set.access).toBeTruthy();
    expect(set.front).toBeTruthy();
    const jwt = decodeJwt(set.access!);
    expect(mfaOf(jwt)).toEqual({ c: { emailpassword: expect.any(Number), totp: Math.floor(app.clock.now() / 1000) }, v: true });
    expect(jwt["2fa-completed"]).toEqual({ v: true, t: app.clock.now() });
  });

  it("/like-comment answers 200 after the second sign-in's TOTP", async () => {
    const reply = await client.request("POST", "/like-comment");
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: "OK", message: "Comment liked", userId });
  });
});

/**
 * The refresh module functions called directly (issue 2 lists them; session.refresh.test.ts covers
 * only `POST /auth/session/refresh`): `Session.refreshSessionWithoutRequestResponse` and
 * `Session.refreshSession(req, res)` inside an app's own Express route. Rotation with lazy commit
 * follows protocol 1.3; the container's tokens are those of 2.5. Theft through the module function
 * is in session.theft.test.ts.
 */
import type { Express } from "express";
import { describe, expect, it } from "vitest";
import Session from "../../src/recipe/session/index.js";
import type { SessionContainer } from "../../src/recipe/session/types.js";
import { decodeFrontToken, decodeJwt, send, sessionRow, sha256, sharedApp } from "./helpers.js";

const REFRESH_VALIDITY_S = 3600;

/** What the promise threw, or undefined when it resolved. */
async function thrownBy(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

function expectUnauthorised(error: unknown): void {
  expect(error).toBeInstanceOf(Session.Error);
  expect((error as InstanceType<typeof Session.Error>).type).toBe("UNAUTHORISED");
}

/** The stored row's refresh-token hash: sha256(sha256(token)) of the committed token. */
const stored = (token: string) => sha256(sha256(token));

async function newSession(userId = "refresh-user"): Promise<{ handle: string; accessToken: string; refreshToken: string }> {
  const session = await Session.createNewSessionWithoutRequestResponse("public", userId, { role: "reader" }, { note: "kept" }, true);
  const tokens = session.getAllSessionTokensDangerously();
  expect(tokens.refreshToken).toEqual(expect.any(String));
  return { handle: session.getHandle(), accessToken: tokens.accessToken, refreshToken: tokens.refreshToken as string };
}

/** The app's own route: `Session.refreshSession(req, res)`, answering what the container says. */
function ownRefreshRoute(app: Express): void {
  app.post("/app/refresh", async (req, res) => {
    const session = await Session.refreshSession(req, res);
    res.json({ handle: session.getHandle(), userId: session.getUserId(), payload: session.getAccessTokenPayload() });
  });
}

describe("Session.refreshSessionWithoutRequestResponse", () => {
  const app = sharedApp({ session: { refreshTokenValidity: REFRESH_VALIDITY_S }, routes: ownRefreshRoute });

  it("returns a container for the same session whose tokens are all new and whose access token verifies", async () => {
    const parent = await newSession();
    const child = await Session.refreshSessionWithoutRequestResponse(parent.refreshToken, true);
    const tokens = child.getAllSessionTokensDangerously();
    expect(child.getHandle()).toBe(parent.handle);
    expect(child.getUserId()).toBe("refresh-user");
    expect(tokens).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), antiCsrfToken: undefined, frontToken: expect.any(String), accessAndFrontTokenUpdated: true });
    expect(tokens.accessToken).not.toBe(parent.accessToken);
    expect(tokens.refreshToken).not.toBe(parent.refreshToken);
    expect(child.getAccessTokenPayload()).toMatchObject({ sub: "refresh-user", sessionHandle: parent.handle, role: "reader" });
    const front = decodeFrontToken(tokens.frontToken);
    expect(front.uid).toBe("refresh-user");
    expect(front.up).toEqual(child.getAccessTokenPayload());

    const verified = (await Session.getSessionWithoutRequestResponse(tokens.accessToken)) as SessionContainer;
    expect(verified.getHandle()).toBe(parent.handle);
    expect(await verified.getSessionDataFromDatabase()).toEqual({ note: "kept" });
    // The same token over HTTP, as a client in header mode would send it.
    expect(await send(app.url, "GET", "/verify", { headers: { authorization: `Bearer ${tokens.accessToken}` } })).toMatchObject({
      status: 200,
      body: { userId: "refresh-user", handle: parent.handle },
    });
  });

  it("issues an access token that names the child refresh token and, as its parent, the one presented", async () => {
    const parent = await newSession();
    const child = await Session.refreshSessionWithoutRequestResponse(parent.refreshToken, true);
    const { payload } = decodeJwt(child.getAllSessionTokensDangerously().accessToken);
    expect(payload.refreshTokenHash1).toBe(sha256(child.getAllSessionTokensDangerously().refreshToken as string));
    expect(payload.parentRefreshTokenHash1).toBe(sha256(parent.refreshToken));
  });

  it("commits the child lazily: the parent keeps refreshing until the child's access token is used", async () => {
    const parent = await newSession();
    expect((await sessionRow(parent.handle))?.refreshHash2).toBe(stored(parent.refreshToken));
    const first = await Session.refreshSessionWithoutRequestResponse(parent.refreshToken, true);
    expect((await sessionRow(parent.handle))?.refreshHash2).toBe(stored(parent.refreshToken));
    // Before the child is used, presenting the parent again is harmless (protocol 1.3), and more than once.
    const second = await Session.refreshSessionWithoutRequestResponse(parent.refreshToken, true);
    const third = await Session.refreshSessionWithoutRequestResponse(parent.refreshToken, true);
    expect(third.getHandle()).toBe(parent.handle);
    expect((await sessionRow(parent.handle))?.refreshHash2).toBe(stored(parent.refreshToken));

    // The first use of an access token issued by a refresh commits its refresh token and replaces it.
    const secondTokens = second.getAllSessionTokensDangerously();
    const used = (await Session.getSessionWithoutRequestResponse(secondTokens.accessToken)) as SessionContainer;
    expect((await sessionRow(parent.handle))?.refreshHash2).toBe(stored(secondTokens.refreshToken as string));
    const replacement = used.getAllSessionTokensDangerously();
    expect(replacement.accessAndFrontTokenUpdated).toBe(true);
    expect(replacement.accessToken).not.toBe(secondTokens.accessToken);
    expect(decodeJwt(replacement.accessToken).payload.parentRefreshTokenHash1).toBeNull();
    // The committed child refreshes in turn.
    const next = await Session.refreshSessionWithoutRequestResponse(secondTokens.refreshToken as string, true);
    expect(next.getHandle()).toBe(parent.handle);
    expect(first.getAllSessionTokensDangerously().refreshToken).not.toBe(secondTokens.refreshToken);
  });

  it("commits a child whose refresh token is itself presented (promotion by refresh)", async () => {
    const parent = await newSession();
    const child = await Session.refreshSessionWithoutRequestResponse(parent.refreshToken, true);
    const childRefresh = child.getAllSessionTokensDangerously().refreshToken as string;
    const grandchild = await Session.refreshSessionWithoutRequestResponse(childRefresh, true);
    expect((await sessionRow(parent.handle))?.refreshHash2).toBe(stored(childRefresh));
    expect(decodeJwt(grandchild.getAllSessionTokensDangerously().accessToken).payload.parentRefreshTokenHash1).toBe(sha256(childRefresh));
  });

  it("throws UNAUTHORISED for garbage and changes nothing in storage", async () => {
    const bystander = await newSession("bystander");
    const before = await sessionRow(bystander.handle);
    const garbage = ["", "not-a-token", "a.b.c.d.e", `v1.${"x".repeat(43)}.${bystander.handle}.-.mac`, "x".repeat(100_000), bystander.accessToken, 42 as unknown as string];
    for (const token of garbage) {
      const error = await thrownBy(Session.refreshSessionWithoutRequestResponse(token, true));
      expectUnauthorised(error);
    }
    expect(await sessionRow(bystander.handle)).toEqual(before);
    expect(await Session.getAllSessionHandlesForUser("bystander")).toEqual([bystander.handle]);
  });

  it("throws UNAUTHORISED for a tampered refresh token (any part changed) and changes nothing in storage", async () => {
    const victim = await newSession("tamper-victim");
    const other = await newSession("tamper-other");
    const before = await sessionRow(victim.handle);
    const otherBefore = await sessionRow(other.handle);
    const parts = victim.refreshToken.split(".");
    expect(parts).toHaveLength(5);
    const flip = (s: string) => (s.at(-1) === "A" ? `${s.slice(0, -1)}B` : `${s.slice(0, -1)}A`);
    const tampered = [
      [parts[0], flip(parts[1] as string), parts[2], parts[3], parts[4]].join("."),
      [parts[0], parts[1], other.handle, parts[3], parts[4]].join("."),
      [parts[0], parts[1], parts[2], sha256("someone else's parent"), parts[4]].join("."),
      [parts[0], parts[1], parts[2], parts[3], flip(parts[4] as string)].join("."),
      `${victim.refreshToken}x`,
    ];
    for (const token of tampered) {
      expect(token).not.toBe(victim.refreshToken);
      expectUnauthorised(await thrownBy(Session.refreshSessionWithoutRequestResponse(token, true)));
    }
    expect(await sessionRow(victim.handle)).toEqual(before);
    expect(await sessionRow(other.handle)).toEqual(otherBefore);
    // The real token still works: nothing was revoked as theft.
    expect((await Session.refreshSessionWithoutRequestResponse(victim.refreshToken, true)).getHandle()).toBe(victim.handle);
  });

  it("throws UNAUTHORISED for a well-formed token of a revoked session, and does not bring it back", async () => {
    const gone = await newSession("revoked-user");
    expect(await Session.revokeSession(gone.handle)).toBe(true);
    expectUnauthorised(await thrownBy(Session.refreshSessionWithoutRequestResponse(gone.refreshToken, true)));
    expect(await sessionRow(gone.handle)).toBeNull();
    expect(await Session.getAllSessionHandlesForUser("revoked-user")).toEqual([]);
  });

  it("refreshes one second before refreshTokenValidity ends, and throws UNAUTHORISED once it has passed", async () => {
    const early = await newSession("expiry-early");
    const late = await newSession("expiry-late");
    app.clock.advance(REFRESH_VALIDITY_S * 1000 - 1000);
    expect((await Session.refreshSessionWithoutRequestResponse(early.refreshToken, true)).getHandle()).toBe(early.handle);
    app.clock.advance(1000);
    expectUnauthorised(await thrownBy(Session.refreshSessionWithoutRequestResponse(late.refreshToken, true)));
    expect(await Session.getSessionInformation(late.handle)).toBeUndefined();
    // The refresh before the end moved that session's expiry forward.
    expect((await Session.refreshSessionWithoutRequestResponse(early.refreshToken, true)).getHandle()).toBe(early.handle);
  });
});

describe("Session.refreshSessionWithoutRequestResponse with antiCsrf VIA_TOKEN", () => {
  sharedApp({ session: { antiCsrf: "VIA_TOKEN" } });

  it("needs the anti-CSRF token unless disableAntiCsrf is true, and returns the child's own", async () => {
    const session = await Session.createNewSessionWithoutRequestResponse("public", "csrf-user", {}, {}, false);
    const { refreshToken, antiCsrfToken } = session.getAllSessionTokensDangerously();
    expect(antiCsrfToken).toEqual(expect.any(String));
    const before = await sessionRow(session.getHandle());

    expectUnauthorised(await thrownBy(Session.refreshSessionWithoutRequestResponse(refreshToken as string, false)));
    expectUnauthorised(await thrownBy(Session.refreshSessionWithoutRequestResponse(refreshToken as string, false, `${antiCsrfToken}x`)));
    expect(await sessionRow(session.getHandle())).toEqual(before);

    const child = await Session.refreshSessionWithoutRequestResponse(refreshToken as string, false, antiCsrfToken);
    const childTokens = child.getAllSessionTokensDangerously();
    expect(childTokens.antiCsrfToken).toEqual(expect.any(String));
    expect(childTokens.antiCsrfToken).not.toBe(antiCsrfToken);
    // The child's access token verifies with the child's anti-CSRF token, not the parent's.
    expect((await Session.getSessionWithoutRequestResponse(childTokens.accessToken, childTokens.antiCsrfToken))?.getHandle()).toBe(session.getHandle());
    const stale = await thrownBy(Session.getSessionWithoutRequestResponse(childTokens.accessToken, antiCsrfToken));
    expect(stale).toMatchObject({ type: "TRY_REFRESH_TOKEN" });

    const headerStyle = await Session.refreshSessionWithoutRequestResponse(refreshToken as string, true);
    expect(headerStyle.getAllSessionTokensDangerously().antiCsrfToken).toBeUndefined();
  });
});

describe("Session.refreshSession(req, res) in an app's own route", () => {
  const app = sharedApp({ session: { refreshTokenValidity: REFRESH_VALIDITY_S }, routes: ownRefreshRoute });

  it("refreshes a header-mode client: new tokens in the response headers, and the new access token verifies", async () => {
    const c = app.client("header");
    await c.request("POST", "/create", { body: { userId: "own-route", payload: { plan: "pro" } } });
    const oldAccess = c.accessToken;
    const oldRefresh = c.refreshToken;
    const res = await c.request("POST", "/app/refresh", { useRefreshToken: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ userId: "own-route", payload: { plan: "pro" } });
    expect(c.accessToken).toEqual(expect.any(String));
    expect(c.accessToken).not.toBe(oldAccess);
    expect(c.refreshToken).not.toBe(oldRefresh);
    expect(decodeFrontToken(res.headers.get("front-token") as string).uid).toBe("own-route");
    expect(await c.request("GET", "/verify")).toMatchObject({ status: 200, body: { userId: "own-route", handle: res.body?.handle } });
    expect((await sessionRow(res.body?.handle as string))?.refreshHash2).toBe(stored(c.refreshToken as string));
  });

  it("refreshes a cookie-mode client: new sAccessToken and sRefreshToken cookies", async () => {
    const created = await Session.createNewSessionWithoutRequestResponse("public", "own-route-cookie", {}, {}, true);
    const refreshToken = created.getAllSessionTokensDangerously().refreshToken as string;
    const res = await send(app.url, "POST", "/app/refresh", { cookies: { sRefreshToken: refreshToken } });
    expect(res.status).toBe(200);
    const names = res.cookies.map((cookie) => cookie.name).sort();
    expect(names).toEqual(["sAccessToken", "sRefreshToken"]);
    const access = res.cookies.find((cookie) => cookie.name === "sAccessToken")?.value as string;
    expect(await send(app.url, "GET", "/verify", { cookies: { sAccessToken: access } })).toMatchObject({ status: 200, body: { userId: "own-route-cookie" } });
  });

  it("answers 401 unauthorised through the error handler for a garbage or missing refresh token, with storage unchanged", async () => {
    const c = app.client("header");
    const handle = String((await c.request("POST", "/create", { body: { userId: "own-route-garbage" } })).body?.handle);
    const before = await sessionRow(handle);
    const garbage = await send(app.url, "POST", "/app/refresh", { headers: { authorization: "Bearer not-a-refresh-token" } });
    expect(garbage).toMatchObject({ status: 401, body: { message: "unauthorised" } });
    const missing = await send(app.url, "POST", "/app/refresh");
    expect(missing).toMatchObject({ status: 401, body: { message: "unauthorised" } });
    expect(await sessionRow(handle)).toEqual(before);
  });

  it("answers 401 unauthorised once the session has outlived refreshTokenValidity", async () => {
    const c = app.client("header");
    await c.request("POST", "/create", { body: { userId: "own-route-expired" } });
    app.clock.advance(REFRESH_VALIDITY_S * 1000);
    const res = await c.request("POST", "/app/refresh", { useRefreshToken: true });
    expect(res).toMatchObject({ status: 401, body: { message: "unauthorised" } });
  });
});

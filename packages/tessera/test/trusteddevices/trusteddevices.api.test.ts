/**
 * Trusted devices over real HTTP (issue 7, "Trusted devices"): remembering a device after the
 * second factor, signing in with it, listing and forgetting devices, and the input rules.
 */
import { describe, expect, it } from "vitest";
import { Client } from "../helpers/app.js";
import { browserWith, COOKIE, completeTotp, DAY_MS, enrolledUser, mfaOf, remember, rememberedUser, signIn, trustedApp, write } from "./helpers.js";

const app = trustedApp();

describe("POST /mfa/trusted-device, then signing in again on the same browser", () => {
  it("sets an HttpOnly, SameSite=Lax cookie for the API base path that lasts the validity", async () => {
    const { client } = await enrolledUser(app);
    const reply = await client.request("POST", "/auth/mfa/trusted-device", { headers: { "user-agent": "  Firefox\t on    Linux " } });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ status: "OK", deviceId: expect.stringMatching(/^[0-9a-f-]{36}$/), expiresAt: app.clock.now() + 30 * DAY_MS });
    const setCookie = reply.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`));
    expect(setCookie).toBeDefined();
    expect(setCookie).toContain("Path=/auth;");
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Lax");
    expect(setCookie).not.toContain("Secure"); // the test API is plain http
    expect(setCookie).toContain(`Expires=${new Date(app.clock.now() + 30 * DAY_MS).toUTCString()}`);
    const list = await client.request("GET", "/auth/mfa/trusted-devices");
    expect(list.body).toEqual({
      status: "OK",
      devices: [{ deviceId: reply.body!.deviceId, label: "Firefox on Linux", createdAt: app.clock.now(), lastUsedAt: app.clock.now(), expiresAt: app.clock.now() + 30 * DAY_MS, current: true }],
    });
  });

  it("skips the second factor: the session made at sign-in already has v: true and the guarded route answers 200", async () => {
    const { email, cookie, userId } = await rememberedUser(app);
    const browser = browserWith(app, cookie);
    const at = Math.floor(app.clock.now() / 1000);
    await signIn(browser, email);
    expect(mfaOf(browser)).toEqual({ c: { emailpassword: at, "trusted-device": at }, v: true });
    expect(await write(browser)).toBe(200);
    // The cookie was rotated in the sign-in response.
    const rotated = browser.cookie(COOKIE);
    expect(rotated).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    expect(rotated).not.toBe(cookie);
    expect(rotated!.split(".")[0]).toBe(cookie.split(".")[0]);
    // The old value no longer works, on this browser or any other.
    const stale = browserWith(app, cookie);
    await signIn(stale, email);
    expect(mfaOf(stale)?.v).toBe(false);
    expect(await write(stale)).toBe(403);
    // The rotated one does, once.
    const next = browserWith(app, rotated!);
    await signIn(next, email);
    expect(await write(next)).toBe(200);
    expect((await next.request("GET", "/auth/mfa/trusted-devices")).body?.devices).toMatchObject([{ current: true, lastUsedAt: app.clock.now() }]);
    expect(app.rows("SELECT id FROM trusted_devices WHERE user_id = ?", userId)).toHaveLength(1);
  });

  it("a session the app made in its own route is not trusted at creation, and picks the device up at PUT /mfa/info", async () => {
    const { cookie, userId } = await rememberedUser(app);
    const browser = browserWith(app, cookie);
    expect((await browser.request("POST", "/t/login", { body: { userId } })).status).toBe(200);
    expect(mfaOf(browser)?.v).toBe(false);
    expect(browser.cookie(COOKIE)).toBe(cookie);
    const info = await browser.request("PUT", "/auth/mfa/info");
    expect(info.status).toBe(200);
    expect(info.body?.factors).toMatchObject({ next: [] });
    expect(mfaOf(browser)).toMatchObject({ v: true, c: { "trusted-device": expect.any(Number) } });
    expect(browser.cookie(COOKIE)).not.toBe(cookie);
    expect(await write(browser)).toBe(200);
  });

  it("a sign-in without the cookie still needs the second factor", async () => {
    const { email } = await rememberedUser(app);
    const other = new Client(app.url);
    await signIn(other, email);
    expect(mfaOf(other)).toMatchObject({ v: false });
    expect(await write(other)).toBe(403);
  });

  it("a garbage or malformed cookie is ignored, never a 500", async () => {
    const { email } = await rememberedUser(app);
    for (const value of ["x", "not.a.cookie", `${"0".repeat(36)}.${"A".repeat(43)}`, "ä".repeat(500)]) {
      const browser = browserWith(app, value);
      const reply = await browser.request("POST", "/auth/signin", { body: { formFields: [{ id: "email", value: email }, { id: "password", value: "correct horse battery staple" }] } });
      expect(reply.status).toBe(200);
      expect(mfaOf(browser)?.v).toBe(false);
    }
  });
});

describe("who may remember a device", () => {
  it("refuses (403) a session that has not completed MFA, and stores nothing", async () => {
    const { email, userId } = await enrolledUser(app);
    const fresh = new Client(app.url);
    await signIn(fresh, email);
    const { reply, cookie } = await remember(fresh);
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject({ message: "invalid claim", claimValidationErrors: [{ id: "st-mfa" }] });
    expect(cookie).toBeUndefined();
    expect(app.rows("SELECT id FROM trusted_devices WHERE user_id = ?", userId)).toEqual([]);
  });

  it("refuses (403) when the second factor was completed more than 10 minutes ago, and accepts right after a fresh one", async () => {
    const { client, secret } = await enrolledUser(app);
    app.clock.advance(601_000);
    const late = await remember(client);
    expect(late.reply.status).toBe(403);
    expect(late.reply.body).toMatchObject({ claimValidationErrors: [{ id: "st-mfa", reason: { oneOf: expect.arrayContaining(["totp"]), maxAgeInSeconds: 600 } }] });
    await completeTotp(app, client, secret);
    expect((await remember(client)).reply.status).toBe(200);
  });

  it("refuses a session that skipped the second factor through a trusted device (it cannot vouch for another)", async () => {
    const { email, cookie } = await rememberedUser(app);
    const browser = browserWith(app, cookie);
    await signIn(browser, email);
    expect(await write(browser)).toBe(200);
    expect((await remember(browser)).reply.status).toBe(403);
  });

  it("answers 401 without a session", async () => {
    expect((await new Client(app.url).request("POST", "/auth/mfa/trusted-device")).status).toBe(401);
    expect((await new Client(app.url).request("GET", "/auth/mfa/trusted-devices")).status).toBe(401);
    expect((await new Client(app.url).request("DELETE", "/auth/mfa/trusted-device")).status).toBe(401);
  });

  it("remembering again on the same browser replaces that browser's record instead of adding one", async () => {
    const { client, userId } = await enrolledUser(app);
    const first = await remember(client);
    const second = await remember(client);
    expect(second.reply.status).toBe(200);
    expect(second.reply.body?.deviceId).not.toBe(first.reply.body?.deviceId);
    expect(app.rows<{ id: string }>("SELECT id FROM trusted_devices WHERE user_id = ?", userId)).toEqual([{ id: second.reply.body!.deviceId }]);
  });
});

describe("listing and forgetting devices", () => {
  it("lists only the session user's live devices, without secrets, and marks the current one", async () => {
    const { client, userId } = await enrolledUser(app);
    const a = await remember(client);
    app.clock.advance(1000);
    const laptop = new Client(app.url);
    laptop.cookies = new Map(client.cookies);
    laptop.cookies.delete(`${COOKIE}|/auth`);
    const b = await remember(laptop);
    expect(b.reply.status).toBe(200);
    const list = await client.request("GET", "/auth/mfa/trusted-devices");
    const devices = list.body!.devices as Record<string, unknown>[];
    expect(devices.map((d) => [d.deviceId, d.current])).toEqual([
      [a.reply.body!.deviceId, true],
      [b.reply.body!.deviceId, false],
    ]);
    for (const d of devices) expect(Object.keys(d).sort()).toEqual(["createdAt", "current", "deviceId", "expiresAt", "label", "lastUsedAt"]);
    expect(JSON.stringify(list.body)).not.toContain(a.cookie!.split(".")[1]);
    expect(app.rows("SELECT id FROM trusted_devices WHERE user_id = ?", userId)).toHaveLength(2);
  });

  it("DELETE with no body forgets this device and clears its cookie; the cookie then does nothing", async () => {
    const { email, cookie, deviceId } = await rememberedUser(app);
    const browser = browserWith(app, cookie);
    await signIn(browser, email); // a trusted sign-in: rotates the cookie
    const reply = await browser.request("DELETE", "/auth/mfa/trusted-device");
    expect(reply.body).toEqual({ status: "OK", didDeviceExist: true });
    expect(reply.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=;`))).toContain("Expires=Thu, 01 Jan 1970 00:00:00 GMT");
    expect(browser.cookie(COOKIE)).toBeUndefined();
    expect(app.rows("SELECT id FROM trusted_devices WHERE id = ?", deviceId)).toEqual([]);
  });

  it("DELETE with a deviceId forgets that device of the user only, and needs completed MFA", async () => {
    const owner = await enrolledUser(app);
    const mine = await remember(owner.client);
    const other = await enrolledUser(app);
    const theirs = await remember(other.client);
    // Another user's id: nothing happens to it.
    expect((await owner.client.request("DELETE", "/auth/mfa/trusted-device", { body: { deviceId: theirs.reply.body!.deviceId } })).body).toEqual({ status: "OK", didDeviceExist: false });
    expect(app.rows("SELECT id FROM trusted_devices WHERE id = ?", theirs.reply.body!.deviceId as string)).toHaveLength(1);
    // A session that has not completed MFA may not remove by id.
    const partial = new Client(app.url);
    await signIn(partial, owner.email);
    expect((await partial.request("DELETE", "/auth/mfa/trusted-device", { body: { deviceId: mine.reply.body!.deviceId } })).status).toBe(403);
    expect(app.rows("SELECT id FROM trusted_devices WHERE id = ?", mine.reply.body!.deviceId as string)).toHaveLength(1);
    // The owner's completed session may.
    const removed = await owner.client.request("DELETE", "/auth/mfa/trusted-device", { body: { deviceId: mine.reply.body!.deviceId } });
    expect(removed.body).toEqual({ status: "OK", didDeviceExist: true });
    expect(owner.client.cookie(COOKIE)).toBeUndefined(); // it was this browser's device
    expect(app.rows("SELECT id FROM trusted_devices WHERE id = ?", mine.reply.body!.deviceId as string)).toEqual([]);
  });

  it("answers 400 with a message for bad input and changes nothing", async () => {
    const { client, userId } = await enrolledUser(app);
    await remember(client);
    const before = app.rows("SELECT * FROM trusted_devices WHERE user_id = ?", userId);
    // Not JSON at all: sent by hand, with the session cookies the client holds.
    const cookie = [...client.cookies].map(([key, c]) => `${key.split("|")[0]}=${encodeURIComponent(c.value)}`).join("; ");
    const raw = await fetch(`${app.url}/auth/mfa/trusted-device`, { method: "DELETE", headers: { "content-type": "application/json", rid: "anti-csrf", cookie }, body: "{not json" });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual({ message: expect.any(String) });
    for (const body of [{ deviceId: 5 }, { deviceId: "" }, { deviceId: "x".repeat(101) }, { deviceId: null }, { deviceId: ["a"] }, { deviceId: "a\u0000" }, [], "device", 7]) {
      const reply = await client.request("DELETE", "/auth/mfa/trusted-device", { body });
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(reply.body).toEqual({ message: expect.any(String) });
    }
    expect(app.rows("SELECT * FROM trusted_devices WHERE user_id = ?", userId)).toEqual(before);
    expect(before).toHaveLength(1);
  });
});

/**
 * Trusted devices, the security side (issue 7, "Trusted devices"): a device is bound to its user
 * and tenant, expires, is rotated on every use, is forgotten when the user's factors or password
 * change, never satisfies a step-up check, and is stored only as a hash.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { getInstance } from "../../src/core/instance.js";
import MultiFactorAuth from "../../src/recipe/multifactorauth/index.js";
import Session from "../../src/recipe/session/index.js";
import { Client } from "../helpers/app.js";
import {
  browserWith,
  COOKIE,
  completeTotp,
  DAY_MS,
  enrol,
  enrolledUser,
  form,
  mfaOf,
  PASSWORD,
  rememberedUser,
  signIn,
  trustedApp,
  write,
} from "./helpers.js";

const app = trustedApp({ validityDays: 30 });

interface Row {
  id: string;
  user_id: string;
  tenant_id: string;
  token_hash: string;
  label: string;
  created_at: number;
  last_used_at: number;
  expires_at: number;
}
const rowsOf = (userId: string) => app.rows<Row>("SELECT * FROM trusted_devices WHERE user_id = ? ORDER BY id", userId);
const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

describe("a device is its user's only", () => {
  it("another user signing in with a copied cookie still needs the second factor, and the owner's record is untouched", async () => {
    const owner = await rememberedUser(app);
    const other = await enrolledUser(app);
    const before = rowsOf(owner.userId);
    const thief = browserWith(app, owner.cookie);
    await signIn(thief, other.email);
    expect(mfaOf(thief)?.v).toBe(false);
    expect(mfaOf(thief)?.c).not.toHaveProperty("trusted-device");
    expect(await write(thief)).toBe(403);
    // Not rotated, not deleted, no cookie written over it.
    expect(rowsOf(owner.userId)).toEqual(before);
    expect(thief.cookie(COOKIE)).toBe(owner.cookie);
    // The owner's cookie still works for the owner.
    const home = browserWith(app, owner.cookie);
    await signIn(home, owner.email);
    expect(await write(home)).toBe(200);
  });

  it("a device remembered in another tenant does not count in this one", async () => {
    const { email, userId } = await enrolledUser(app);
    const secret = "A".repeat(43);
    const id = "00000000-0000-4000-8000-000000000001";
    const at = app.clock.now();
    await getInstance().storage.trustedDevices.create({ id, userId, tenantId: "acme", tokenHash: sha256(secret), label: "x", createdAt: at, lastUsedAt: at, expiresAt: at + DAY_MS });
    const before = rowsOf(userId);
    const browser = browserWith(app, `${id}.${secret}`);
    await signIn(browser, email);
    expect(mfaOf(browser)?.v).toBe(false);
    expect(rowsOf(userId)).toEqual(before);
  });
});

describe("rotation", () => {
  it("an old (rotated-out) cookie is ignored and the record is kept: the current cookie still works", async () => {
    const { email, cookie, userId } = await rememberedUser(app);
    const first = browserWith(app, cookie);
    await signIn(first, email);
    const current = first.cookie(COOKIE)!;
    const hashAfterUse = rowsOf(userId)[0]!.token_hash;
    expect(hashAfterUse).toBe(sha256(current.split(".")[1]!));

    const replay = browserWith(app, cookie);
    await signIn(replay, email);
    expect(mfaOf(replay)?.v).toBe(false);
    expect(rowsOf(userId)).toHaveLength(1);
    expect(rowsOf(userId)[0]!.token_hash).toBe(hashAfterUse);

    const again = browserWith(app, current);
    await signIn(again, email);
    expect(await write(again)).toBe(200);
  });

  it("of parallel sign-ins presenting one cookie, exactly one skips the second factor", async () => {
    const { email, cookie } = await rememberedUser(app);
    const browsers = Array.from({ length: 6 }, () => browserWith(app, cookie));
    await Promise.all(browsers.map((b) => signIn(b, email)));
    expect(browsers.filter((b) => mfaOf(b)?.v === true)).toHaveLength(1);
    expect(browsers.filter((b) => b.cookie(COOKIE) !== cookie)).toHaveLength(1);
  });
});

describe("expiry", () => {
  it("works until the last millisecond of its N days (counted from when it was remembered) and not after", async () => {
    const early = await rememberedUser(app);
    const late = await rememberedUser(app);
    const expiresAt = rowsOf(late.userId)[0]!.expires_at;
    expect(expiresAt).toBe(rowsOf(late.userId)[0]!.created_at + 30 * DAY_MS);

    app.clock.set(rowsOf(early.userId)[0]!.expires_at - 1);
    const inTime = browserWith(app, early.cookie);
    await signIn(inTime, early.email);
    expect(await write(inTime)).toBe(200);
    // Using it did not extend it.
    expect(rowsOf(early.userId)[0]!.expires_at).toBe(rowsOf(early.userId)[0]!.created_at + 30 * DAY_MS);

    app.clock.set(expiresAt);
    const expired = browserWith(app, late.cookie);
    await signIn(expired, late.email);
    expect(mfaOf(expired)?.v).toBe(false);
    expect(await write(expired)).toBe(403);
    // An expired device is not listed either.
    await completeTotp(app, expired, late.secret);
    expect((await expired.request("GET", "/auth/mfa/trusted-devices")).body).toEqual({ status: "OK", devices: [] });
  });
});

describe("revocation when the user's credentials change", () => {
  const expectRevoked = async (user: { email: string; userId: string; cookie: string }, password = PASSWORD) => {
    expect(rowsOf(user.userId)).toEqual([]);
    const browser = browserWith(app, user.cookie);
    await signIn(browser, user.email, password);
    expect(mfaOf(browser)?.v).toBe(false);
    expect(await write(browser)).toBe(403);
  };

  it("removing a TOTP device forgets every device of the user", async () => {
    const user = await rememberedUser(app, ["phone", "backup"]);
    const session = new Client(app.url);
    await signIn(session, user.email);
    await completeTotp(app, session, user.secret);
    expect(rowsOf(user.userId)).toHaveLength(1); // completing TOTP forgets nothing
    expect((await session.request("POST", "/auth/totp/device/remove", { body: { deviceName: "backup" } })).body).toEqual({ status: "OK", didDeviceExist: true });
    await expectRevoked(user);
  });

  it("adding a TOTP device forgets every device of the user", async () => {
    const user = await rememberedUser(app);
    const session = browserWith(app, user.cookie);
    await signIn(session, user.email);
    await completeTotp(app, session, user.secret);
    const rotated = session.cookie(COOKIE)!;
    expect(rowsOf(user.userId)).toHaveLength(1);
    app.clock.advance(30_000); // the replay guard is per user: the new device's code must be of a later step
    await enrol(app, session, "tablet");
    await expectRevoked({ ...user, cookie: rotated });
  });

  it("a password reset forgets every device of the user", async () => {
    const user = await rememberedUser(app);
    const mail = app.nextMail();
    expect((await new Client(app.url).request("POST", "/auth/user/password/reset/token", { body: form({ email: user.email }) })).body).toEqual({ status: "OK" });
    const token = new URL((await mail).passwordResetLink).searchParams.get("token")!;
    const reset = await new Client(app.url).request("POST", "/auth/user/password/reset", { body: { method: "token", token, ...form({ password: "a brand new passphrase 7" }) } });
    expect(reset.body).toMatchObject({ status: "OK" });
    await expectRevoked(user, "a brand new passphrase 7");
  });

  it("a password change through updateEmailOrPassword forgets every device; an email change does not", async () => {
    const user = await rememberedUser(app);
    const EmailPassword = (await import("../../src/recipe/emailpassword/index.js")).default;
    expect(await EmailPassword.updateEmailOrPassword({ recipeUserId: user.userId, email: `changed-${user.email}` })).toEqual({ status: "OK" });
    expect(rowsOf(user.userId)).toHaveLength(1);
    expect(await EmailPassword.updateEmailOrPassword({ recipeUserId: user.userId, password: "another passphrase 99" })).toEqual({ status: "OK" });
    await expectRevoked({ ...user, email: `changed-${user.email}` }, "another passphrase 99");
  });

  it("replacing the recovery codes forgets every device of the user", async () => {
    const user = await rememberedUser(app);
    const session = new Client(app.url);
    await signIn(session, user.email);
    await completeTotp(app, session, user.secret);
    expect(rowsOf(user.userId)).toHaveLength(1);
    expect((await session.request("POST", "/auth/recovery-codes")).body).toMatchObject({ status: "OK" });
    await expectRevoked(user);
  });

  // Issue 7: devices are revoked when the user signs out everywhere.
  it("Session.revokeAllSessionsForUser (sign out everywhere) forgets them too, and only that user's", async () => {
    const user = await rememberedUser(app);
    const other = await rememberedUser(app);
    expect(rowsOf(user.userId)).toHaveLength(1);
    await Session.revokeAllSessionsForUser(user.userId);
    await expectRevoked(user);
    expect(rowsOf(other.userId)).toHaveLength(1);
  });

  it("MultiFactorAuth.revokeAllTrustedDevicesForUser forgets them (for an app's own sign-out everywhere)", async () => {
    const user = await rememberedUser(app);
    const other = await rememberedUser(app);
    expect(await MultiFactorAuth.revokeAllTrustedDevicesForUser(user.userId)).toBe(1);
    await expectRevoked(user);
    expect(rowsOf(other.userId)).toHaveLength(1);
  });
});

describe("what a trusted device does not do", () => {
  it("does not satisfy a step-up validator for a real factor", async () => {
    const { email, cookie, secret } = await rememberedUser(app);
    const browser = browserWith(app, cookie);
    await signIn(browser, email);
    expect(await write(browser)).toBe(200);
    const stepUp = await browser.request("POST", "/t/step-up");
    expect(stepUp.status).toBe(403);
    expect(stepUp.body).toEqual({ message: "invalid claim", claimValidationErrors: [{ id: "st-mfa", reason: { message: "factor not completed", factorId: "totp" } }] });
    await completeTotp(app, browser, secret);
    expect((await browser.request("POST", "/t/step-up")).status).toBe(200);
  });
});

describe("storage", () => {
  it("keeps only the sha256 of the cookie's secret, never the secret", async () => {
    const { cookie, userId, deviceId } = await rememberedUser(app);
    const secret = cookie.split(".")[1]!;
    const rows = rowsOf(userId);
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.id).toBe(deviceId);
    expect(row.token_hash).toBe(sha256(secret));
    for (const value of Object.values(row)) expect(String(value)).not.toContain(secret);
  });
});

/**
 * A copy of an access token taken before sign-out, used on tessera's own factor endpoints.
 * Found by a new-user review (issues 3 and 7): those endpoints verified the token alone, so for
 * up to accessTokenValidity after the victim signed out, the copy could enrol the copier's
 * authenticator (saved as verified although the answer was 401), replace the recovery codes and
 * list remembered devices. They add, verify and remove credentials, so they now check the
 * session in the database (FACTOR_ROUTE_SESSION): 401 at once, and nothing stored.
 */
import { describe, expect, it } from "vitest";
import { Client } from "../helpers/app.js";
import { codeFor, enrolledUser, trustedApp } from "../trusteddevices/helpers.js";

const app = trustedApp();

/** The victim's browser after TOTP, a copy of its cookies, and the victim signing out. */
async function copiedThenSignedOut() {
  const user = await enrolledUser(app);
  expect((await user.client.request("GET", "/auth/mfa/trusted-devices")).status).toBe(200); // settles the token: no refresh pending
  const saved = [...user.client.cookies].map(([key, value]) => [key, { ...value }] as const);
  // A fresh copy per call: a 401 clears the cookies of the client it answers.
  const fresh = () => {
    const copy = new Client(app.url);
    for (const [key, value] of saved) copy.cookies.set(key, { ...value });
    return copy;
  };
  expect((await fresh().request("GET", "/auth/totp/device/list")).status).toBe(200); // the copy works while signed in
  expect((await user.client.request("POST", "/auth/signout")).status).toBe(200);
  return { ...user, copy: fresh(), fresh };
}

const devicesOf = (userId: string) => app.rows<{ name: string; verified: number }>("SELECT name, verified FROM totp_devices WHERE user_id = ?", userId);
const codesOf = (userId: string) => app.rows<{ code_id: string }>("SELECT code_id FROM recovery_codes WHERE user_id = ?", userId);

describe("an access token copied before sign-out, on the factor endpoints", () => {
  it("cannot add a TOTP device: 401 unauthorised, and no device is stored", async () => {
    const { userId, copy } = await copiedThenSignedOut();
    const before = devicesOf(userId);
    const created = await copy.request("POST", "/auth/totp/device", { body: { deviceName: "attacker-phone" } });
    expect(created).toMatchObject({ status: 401, body: { message: "unauthorised" } });
    expect(devicesOf(userId)).toEqual(before);
  });

  it("cannot verify a device it created before the sign-out: 401, and the device stays unverified", async () => {
    const user = await enrolledUser(app);
    const copy = new Client(app.url);
    for (const [key, value] of user.client.cookies) copy.cookies.set(key, { ...value });
    const created = await copy.request("POST", "/auth/totp/device", { body: { deviceName: "attacker-phone" } });
    expect(created.body?.status).toBe("OK");
    expect((await user.client.request("POST", "/auth/signout")).status).toBe(200);
    app.clock.advance(30_000);
    const verified = await copy.request("POST", "/auth/totp/device/verify", { body: { deviceName: "attacker-phone", totp: codeFor(created.body!.secret as string, app.clock.now()) } });
    expect(verified.status).toBe(401);
    expect(devicesOf(user.userId).find((d) => d.name === "attacker-phone")?.verified).toBe(0);
  });

  it("cannot replace the recovery codes: 401, and the stored set is unchanged", async () => {
    const { userId, copy } = await copiedThenSignedOut();
    const before = codesOf(userId);
    expect(await copy.request("POST", "/auth/recovery-codes")).toMatchObject({ status: 401, body: { message: "unauthorised" } });
    expect(codesOf(userId)).toEqual(before);
  });

  it("cannot list, remember or forget devices, nor resync MFA: 401 on each", async () => {
    const { fresh } = await copiedThenSignedOut();
    expect((await fresh().request("GET", "/auth/mfa/trusted-devices")).status).toBe(401);
    expect((await fresh().request("POST", "/auth/mfa/trusted-device")).status).toBe(401);
    expect((await fresh().request("DELETE", "/auth/mfa/trusted-device", { body: {} })).status).toBe(401);
    expect((await fresh().request("PUT", "/auth/mfa/info")).status).toBe(401);
    expect((await fresh().request("GET", "/auth/totp/device/list")).status).toBe(401);
  });

  it("control: the same calls work in the signed-in session", async () => {
    const { client, userId } = await enrolledUser(app);
    expect((await client.request("GET", "/auth/totp/device/list")).status).toBe(200);
    expect((await client.request("POST", "/auth/recovery-codes")).body?.status).toBe("OK");
    expect(codesOf(userId).length).toBe(10);
  });
});

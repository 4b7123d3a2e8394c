/**
 * 2FA as a policy (issue 8): for each policy setting and each first factor, a session is refused
 * by every 2FA-guarded route (a plain verifySession) until the second factor is done, and a user
 * the policy requires who has no factor yet is sent to set one up (`PUT /mfa/info` next).
 */
import { describe, expect, it } from "vitest";
import MultiFactorAuth, { MultiFactorAuthClaim } from "../../src/recipe/multifactorauth/index.js";
import Session from "../../src/recipe/session/index.js";
import { enterTotp, expectGuarded, FIRST_FACTORS, mfaInfo, newUser, policyApp, setUpTotp } from "./helpers.js";

describe('policy "everyone"', () => {
  const app = policyApp({ policy: "everyone" });

  it.each(FIRST_FACTORS)("refuses a user without a factor after %s until they set TOTP up, then every new sign-in until the code", async (factor) => {
    const user = await newUser(app, factor);
    const client = await user.signIn();
    await expectGuarded(client, 403);
    const info = await mfaInfo(client);
    expect(info.next).toEqual(["totp"]);
    expect(info.allowedToSetup).toEqual(["totp"]);
    // Still refused after asking: the claim says what to do, it does not let the user through.
    await expectGuarded(client, 403);
    await setUpTotp(app, client, user.userId);
    await expectGuarded(client, 200);

    const again = await user.signIn();
    await expectGuarded(again, 403);
    expect((await mfaInfo(again)).next).toEqual(["totp"]);
    await enterTotp(app, again);
    await expectGuarded(again, 200);
  });
});

describe('policy "users-with-factors"', () => {
  const app = policyApp({ policy: { require: "users-with-factors" } });

  it.each(FIRST_FACTORS)("lets a user without a factor through after %s, and refuses one with TOTP until the code", async (factor) => {
    const user = await newUser(app, factor);
    const client = await user.signIn();
    await expectGuarded(client, 200);
    expect((await mfaInfo(client)).next).toEqual([]);
    // Setting TOTP up is allowed with MFA complete, and from then on it is required.
    await setUpTotp(app, client, user.userId);

    const again = await user.signIn();
    await expectGuarded(again, 403);
    const info = await mfaInfo(again);
    expect(info.next).toEqual(["totp"]);
    expect(info.alreadySetup).toContain("totp");
    await enterTotp(app, again);
    await expectGuarded(again, 200);
  });
});

describe('policy "marked-users"', () => {
  const app = policyApp({ policy: "marked-users" });

  it.each(FIRST_FACTORS)("lets an unmarked user through after %s even with TOTP set up", async (factor) => {
    const user = await newUser(app, factor);
    const client = await user.signIn();
    await setUpTotp(app, client, user.userId);
    await expectGuarded(await user.signIn(), 200);
  });

  it.each(FIRST_FACTORS)("refuses a marked user without a factor after %s until they set TOTP up", async (factor) => {
    const user = await newUser(app, factor);
    await user.signIn(); // the sign-up's own session, made before the mark
    await MultiFactorAuth.addToRequiredSecondaryFactorsForUser(user.userId, "totp");
    const client = await user.signIn();
    await expectGuarded(client, 403);
    expect((await mfaInfo(client)).next).toEqual(["totp"]);
    await setUpTotp(app, client, user.userId);
    await expectGuarded(client, 200);
    await expectGuarded(await user.signIn(), 403);
  });
});

describe("policy per tenant", () => {
  const app = policyApp({ policy: { require: "users-with-factors", tenants: { acme: "everyone" } } });

  it.each(FIRST_FACTORS)("applies the tenant's rule to a session of that tenant (%s)", async (factor) => {
    const publicUser = await newUser(app, factor);
    await expectGuarded(await publicUser.signIn(), 200);

    const acmeUser = await newUser(app, factor, "acme");
    const client = await acmeUser.signIn();
    await expectGuarded(client, 403);
    expect((await mfaInfo(client)).next).toEqual(["totp"]);
    await setUpTotp(app, client, acmeUser.userId);
    await expectGuarded(client, 200);
  });
});

describe("policy marking adds to every mode", () => {
  const app = policyApp({ policy: "users-with-factors" });

  it("refuses a marked user who has no factor under users-with-factors", async () => {
    const user = await newUser(app, "emailpassword");
    await user.signIn(); // the sign-up's own session, made before the mark
    await MultiFactorAuth.addToRequiredSecondaryFactorsForUser(user.userId, "totp");
    await expectGuarded(await user.signIn(), 403);
    await MultiFactorAuth.removeFromRequiredSecondaryFactorsForUser(user.userId, "totp");
    await expectGuarded(await user.signIn(), 200);
  });
});

describe("a policy change and sessions that already exist", () => {
  const app = policyApp({ policy: "marked-users" });

  // Protocol 5.3: st-mfa's v is recomputed on a factor, on PUT /mfa/info or when missing, not on
  // every request. An app that marks a signed-in user re-evaluates their sessions by handle.
  it("reaches a session made before the mark once the app re-fetches st-mfa by handle and the session refreshes", async () => {
    const user = await newUser(app, "emailpassword");
    const client = await user.signIn();
    await MultiFactorAuth.addToRequiredSecondaryFactorsForUser(user.userId, "totp");
    await expectGuarded(client, 200);
    for (const handle of await Session.getAllSessionHandlesForUser(user.userId)) expect(await Session.fetchAndSetClaim(handle, MultiFactorAuthClaim)).toBe(true);
    expect((await client.refresh()).status).toBe(200);
    await expectGuarded(client, 403);
  });
});

describe("policy without any second factor available", () => {
  const app = policyApp({ policy: "everyone" }, { totp: false });

  it("fails the sign-in loudly instead of requiring nothing", async () => {
    const response = await fetch(`${app.url}/test/otp-login`, { method: "POST", body: JSON.stringify({ userId: "u1" }) });
    expect(response.status).toBe(500);
    expect(((await response.json()) as { escaped: string }).escaped).toMatch(/no secondary factor is available/);
  });
});

describe("MultiFactorAuth.init policy checks", () => {
  it("refuses policy with requiredSecondaryFactors, unknown requirements and empty factor lists", () => {
    expect(() => MultiFactorAuth.init({ policy: "everyone", requiredSecondaryFactors: ["totp"] })).toThrow(/either policy or requiredSecondaryFactors/);
    expect(() => MultiFactorAuth.init({ policy: "sometimes" as never })).toThrow(/"everyone", "users-with-factors", "marked-users"/);
    expect(() => MultiFactorAuth.init({ policy: { require: "everyone", factors: [] } })).toThrow(/policy.factors/);
    expect(() => MultiFactorAuth.init({ policy: { require: "everyone", tenants: { acme: "nobody" as never } } })).toThrow(/policy.tenants\["acme"\]/);
    expect(() => MultiFactorAuth.init({ policy: { require: "everyone", tenants: "acme" as never } })).toThrow(/policy.tenants/);
    expect(() => MultiFactorAuth.init({ policy: { require: "everyone", factors: ["totp"], tenants: { acme: { require: "users-with-factors" } } } })).not.toThrow();
  });
});

/**
 * A token's claims are the view it was issued with: a refetch of one claim must neither grant an
 * older token what storage learned since (a first-factor token stays first-factor), nor overwrite
 * in storage what was changed there since the token was issued.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { SessionRequest } from "../../src/framework/express/index.js";
import { verifySession } from "../../src/recipe/session/framework/express.js";
import Session from "../../src/recipe/session/index.js";
import { BooleanClaim, PrimitiveClaim } from "../../src/recipe/session/claims/index.js";
import { Client, startTestApp, type TestApp } from "../helpers/app.js";

const SecondFactorClaim = new BooleanClaim({ key: "2fa-completed", fetchValue: () => false });
const StepClaim = new PrimitiveClaim<string>({ key: "step", fetchValue: () => "first" });
let app: TestApp;
afterEach(async () => app?.close());

async function start() {
  app = await startTestApp({
    routes: (a) => {
      a.post("/login", async (req, res) => {
        const session = await Session.createNewSession(req, res, "public", "user-1");
        await session.setClaimValue(StepClaim, "first");
        res.json({ handle: session.getHandle() });
      });
      a.post("/second-factor", verifySession({ overrideGlobalClaimValidators: () => [] }), async (req: SessionRequest, res) => {
        await req.session!.setClaimValue(SecondFactorClaim, true);
        await req.session!.setClaimValue(StepClaim, "second");
        res.json({});
      });
      a.post("/guarded", verifySession({ overrideGlobalClaimValidators: (g) => [...g, SecondFactorClaim.validators.hasValue(true)] }), (_req, res) => res.json({ ok: true }));
    },
  });
}

describe("claim views of old and new tokens", () => {
  it("keeps refusing a first-factor access token after the session completes its second factor with another token", async () => {
    await start();
    const client = new Client(app.url, "header");
    await client.request("POST", "/login");
    const firstFactorToken = client.accessToken!;
    expect((await client.request("POST", "/second-factor")).status).toBe(200);
    expect((await client.request("POST", "/guarded")).status).toBe(200);
    const replay = await client.request("POST", "/guarded", { headers: { authorization: `Bearer ${firstFactorToken}` } });
    expect(replay.status).toBe(403);
    const upgraded = replay.headers.get("st-access-token");
    if (upgraded) expect(JSON.parse(Buffer.from(upgraded.split(".")[1]!, "base64url").toString())["2fa-completed"]?.v).not.toBe(true);
  });

  it("does not overwrite in storage a claim changed by handle since the token was issued", async () => {
    await start();
    const client = new Client(app.url, "header");
    const { handle } = (await client.request("POST", "/login")).body as { handle: string };
    await Session.setClaimValue(handle, SecondFactorClaim, true);
    expect((await client.request("POST", "/guarded")).status).toBe(403);
    expect(await Session.getClaimValue(handle, SecondFactorClaim)).toEqual({ status: "OK", value: true });
    expect((await client.request("POST", "/guarded")).status).toBe(403);
    expect((await client.refresh()).status).toBe(200);
    expect((await client.request("POST", "/guarded")).status).toBe(200);
  });

  it("writes an explicit change as a delta, keeping other keys changed by handle meanwhile", async () => {
    await start();
    const client = new Client(app.url, "header");
    const { handle } = (await client.request("POST", "/login")).body as { handle: string };
    await Session.mergeIntoAccessTokenPayload(handle, { plan: "pro" });
    expect((await client.request("POST", "/second-factor")).status).toBe(200);
    const info = await Session.getSessionInformation(handle);
    expect(info?.customClaimsInAccessTokenPayload.plan).toBe("pro");
    expect((info?.customClaimsInAccessTokenPayload.step as { v: string }).v).toBe("second");
  });
});

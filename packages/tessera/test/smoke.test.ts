import { afterEach, describe, expect, it } from "vitest";
import type { SessionRequest } from "../src/framework/express/index.js";
import { verifySession } from "../src/recipe/session/framework/express.js";
import Session from "../src/recipe/session/index.js";
import { BooleanClaim } from "../src/recipe/session/claims/index.js";
import { Client, startTestApp, type TestApp } from "./helpers/app.js";

const SecondFactorClaim = new BooleanClaim({ key: "2fa-completed", fetchValue: () => false });
let app: TestApp;
afterEach(async () => app?.close());

describe("smoke", () => {
  it.each(["cookie", "header"] as const)("signs in, is refused by the claim, sets it, passes (%s mode)", async (mode) => {
    app = await startTestApp({
      routes: (a) => {
        a.post("/login", async (req, res) => {
          await Session.createNewSession(req, res, "public", "user-1");
          res.json({ ok: true });
        });
        a.post("/like", verifySession({ overrideGlobalClaimValidators: (g) => [...g, SecondFactorClaim.validators.hasValue(true)] }), (req: SessionRequest, res) => {
          res.json({ liked: req.session!.getUserId() });
        });
        a.post("/complete", verifySession(), async (req: SessionRequest, res) => {
          await req.session!.setClaimValue(SecondFactorClaim, true);
          res.json({ ok: true });
        });
      },
    });
    const c = new Client(app.url, mode);
    expect((await c.request("POST", "/like")).status).toBe(401);
    expect((await c.request("POST", "/login")).status).toBe(200);
    const refused = await c.request("POST", "/like");
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ message: "invalid claim", claimValidationErrors: [{ id: "2fa-completed", reason: { message: "wrong value", expectedValue: true, actualValue: false } }] });
    expect((await c.request("POST", "/complete")).status).toBe(200);
    const ok = await c.request("POST", "/like");
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ liked: "user-1" });
    app.clock.advance(3601_000);
    expect((await c.request("POST", "/like")).body).toEqual({ message: "try refresh token" });
    expect((await c.refresh()).status).toBe(200);
    expect((await c.request("POST", "/like")).status).toBe(200);
    expect((await c.request("POST", "/auth/signout", { body: {} })).status).toBe(200);
    expect((await c.request("POST", "/like")).status).toBe(401);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import type { SessionRequest } from "../../src/framework/express/index.js";
import { verifySession } from "../../src/recipe/session/framework/express.js";
import Session from "../../src/recipe/session/index.js";
import { Client, startTestApp, type TestApp } from "../helpers/app.js";

let app: TestApp;
afterEach(async () => app?.close());

describe("verified-token cache", () => {
  it("gives each request its own payload, so a handler that changes it does not change the next request's", async () => {
    app = await startTestApp({
      routes: (a) => {
        a.post("/login", async (req, res) => {
          await Session.createNewSession(req, res, "public", "user-1", { role: "reader" });
          res.json({});
        });
        a.get("/read", verifySession(), (req: SessionRequest, res) => {
          const payload = req.session!.getAccessTokenPayload();
          const seen = payload.role;
          payload.role = "admin"; // a careless handler
          res.json({ seen });
        });
      },
    });
    const client = new Client(app.url, "header");
    await client.request("POST", "/login");
    expect((await client.request("GET", "/read")).body).toEqual({ seen: "reader" });
    expect((await client.request("GET", "/read")).body).toEqual({ seen: "reader" });
  });

  it("still refuses a repeated token at its expiry and a changed copy of a token it has seen", async () => {
    app = await startTestApp({
      session: { accessTokenValidity: 60 },
      routes: (a) => {
        a.post("/login", async (req, res) => {
          await Session.createNewSession(req, res, "public", "user-1");
          res.json({});
        });
        a.get("/read", verifySession(), (_req, res) => res.json({ ok: true }));
      },
    });
    const client = new Client(app.url, "header");
    await client.request("POST", "/login");
    const token = client.accessToken!;
    expect((await client.request("GET", "/read")).status).toBe(200);
    const flipped = token.slice(0, -2) + (token.at(-2) === "A" ? "B" : "A") + token.at(-1);
    expect((await client.request("GET", "/read", { headers: { authorization: `Bearer ${flipped}` } })).body).toEqual({ message: "try refresh token" });
    app.clock.advance(59_000);
    expect((await client.request("GET", "/read")).status).toBe(200);
    app.clock.advance(1_000);
    expect((await client.request("GET", "/read")).body).toEqual({ message: "try refresh token" });
  });
});

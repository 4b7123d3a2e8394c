import { afterEach, describe, expect, it } from "vitest";
import { createCollectingResponse, type HttpRequest } from "../../src/core/http.js";
import { isPromiseLike } from "../../src/core/maybe-promise.js";
import type { SessionRequest } from "../../src/framework/express/index.js";
import { verifySession } from "../../src/recipe/session/framework/express.js";
import Session, { verifySessionInRequestNow } from "../../src/recipe/session/index.js";
import { Client, startTestApp, type TestApp } from "../helpers/app.js";

/** A neutral request carrying one bearer token, as an adapter would hand it to the core. */
function bearerRequest(token: string): HttpRequest {
  return {
    method: "GET",
    path: "/read",
    query: new URLSearchParams(),
    getHeader: (name) => (name === "authorization" ? `Bearer ${token}` : undefined),
    getCookieValues: () => [],
    getJSONBody: async () => ({}),
    original: undefined,
  };
}

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

  it("answers a verify that needs no I/O with the session itself, no promise; one that reads the database with a promise", async () => {
    app = await startTestApp({
      routes: (a) => {
        a.post("/login", async (req, res) => {
          await Session.createNewSession(req, res, "public", "user-1");
          res.json({});
        });
      },
    });
    const client = new Client(app.url, "header");
    await client.request("POST", "/login");
    const req = bearerRequest(client.accessToken!);
    const res = createCollectingResponse(undefined);
    await verifySessionInRequestNow(req, res, undefined, {}); // the first use verifies the signature and fills the cache

    const hit = verifySessionInRequestNow(req, res, undefined, {});
    expect(isPromiseLike(hit)).toBe(false);
    expect((hit as Awaited<typeof hit>)?.getUserId()).toBe("user-1");

    const withDatabase = verifySessionInRequestNow(req, res, { checkDatabase: true }, {});
    expect(isPromiseLike(withDatabase)).toBe(true);
    expect((await withDatabase)?.getUserId()).toBe("user-1");

    // A failing claim on the quick path is a thrown session error, not a rejected promise.
    const failing = { overrideGlobalClaimValidators: () => [{ id: "never", validate: () => ({ isValid: false as const }) }] };
    expect(() => verifySessionInRequestNow(req, res, failing, {})).toThrow(expect.objectContaining({ type: "INVALID_CLAIMS" }));
  });

  it("still runs an app's own getSession and validateClaims on every request (no quick path past an override)", async () => {
    const calls = { getSession: 0, validateClaims: 0 };
    app = await startTestApp({
      session: {
        override: {
          functions: (original) => ({
            ...original,
            getSession: async (input) => {
              calls.getSession++;
              return original.getSession(input);
            },
            validateClaims: async (input) => {
              calls.validateClaims++;
              return original.validateClaims(input);
            },
          }),
        },
      },
      routes: (a) => {
        a.post("/login", async (req, res) => {
          await Session.createNewSession(req, res, "public", "user-1");
          res.json({});
        });
        a.get("/read", verifySession(), (req: SessionRequest, res) => res.json({ userId: req.session!.getUserId() }));
      },
    });
    const client = new Client(app.url, "header");
    await client.request("POST", "/login");
    for (let i = 0; i < 3; i++) expect((await client.request("GET", "/read")).body).toEqual({ userId: "user-1" });
    expect(calls).toEqual({ getSession: 3, validateClaims: 3 });
  });
});

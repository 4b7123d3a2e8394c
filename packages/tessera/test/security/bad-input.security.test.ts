/**
 * Bad input at the HTTP edge: malformed and oversized bodies, oversized and malformed cookies, and
 * Authorization headers that are not one well-formed bearer token (security-cases.md SEC-10 and the
 * "never 5xx" rule). `send`/`sendRaw` assert on every reply: no 5xx, no stack trace, no SQL text.
 */
import { Agent, request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  carry,
  carryRefresh,
  expectNoTokenChange,
  expectOutcome,
  expectStorageUnchanged,
  send,
  sendRaw,
  startSecApp,
  TRY_REFRESH,
  U1,
  U2,
  UNAUTH,
  type SecApp,
  type SignedIn,
} from "./harness.js";

const MALFORMED_BODIES = ['{"a":', "not json", "{'single':'quotes'}", '{"a":1}}', "\u0000\u0001", "[", '"unterminated'];
const WRONG_TYPES = ["[]", '"a string"', "123", "null", "true", '{"refreshToken":123}', '{"formFields":{"id":[]}}', '{"__proto__":{"admin":true}}'];

let app: SecApp;
let alice: SignedIn;
let bob: SignedIn;

beforeAll(async () => {
  app = await startSecApp();
  alice = await app.signIn(U1, "header");
  bob = await app.signIn(U2, "cookie");
});
afterAll(async () => app.close());

describe("bodies sent to /auth/signout and /auth/session/refresh", () => {
  it("answers 401 with a message for malformed JSON and wrong types when no session is presented", async () => {
    await expectStorageUnchanged(app, async () => {
      for (const path of ["/auth/signout", "/auth/session/refresh"]) {
        for (const body of [...MALFORMED_BODIES, ...WRONG_TYPES]) {
          for (const contentType of ["application/json", "text/plain", "application/x-www-form-urlencoded"]) {
            const reply = await send(app, "POST", path, { headers: { rid: "session", "content-type": contentType }, body });
            expectOutcome(reply, UNAUTH);
          }
        }
      }
    });
  });

  it("answers 401 with a message for a body over 64 KiB when no session is presented", async () => {
    const huge = JSON.stringify({ pad: "x".repeat(70 * 1024) });
    await expectStorageUnchanged(app, async () => {
      for (const path of ["/auth/signout", "/auth/session/refresh"]) expectOutcome(await send(app, "POST", path, { headers: { rid: "session" }, body: huge }), UNAUTH);
    });
  });

  // These endpoints take no body (FDI 4.1): a valid session is refreshed or signed out whatever the body is.
  it("ignores a malformed body on refresh with a valid refresh token (the endpoint reads no body)", async () => {
    const s = await app.signIn(U1, "header");
    const reply = await send(app, "POST", "/auth/session/refresh", carryRefresh("header", s.refresh, { body: '{"a":' }));
    expect(reply.status).toBe(200);
  });

  it("ignores a wrong-typed body on sign-out with a valid session (the endpoint reads no body)", async () => {
    const s = await app.signIn(U1, "header");
    const reply = await send(app, "POST", "/auth/signout", carry("header", s.access, { body: "[1,2,3]" }));
    expect(reply.body).toEqual({ status: "OK" });
    expect(app.sessionRow(s.handle)).toBeUndefined();
  });
});

describe("bodies read by the engine's JSON reader (the sign-in route reads through it)", () => {
  it("answers 400 with a message for malformed JSON and creates no session", async () => {
    await expectStorageUnchanged(app, async () => {
      for (const body of MALFORMED_BODIES) {
        const reply = await send(app, "POST", "/t/signin", { body });
        expect(reply.status).toBe(400);
        expect(reply.body).toEqual({ message: "Request body is not valid JSON" });
        expectNoTokenChange(reply);
      }
    });
  });

  it("answers 400 with a message for a body over 64 KiB and creates no session", async () => {
    await expectStorageUnchanged(app, async () => {
      const reply = await send(app, "POST", "/t/signin", { body: JSON.stringify({ userId: U1, pad: "x".repeat(65 * 1024) }) });
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({ message: "Request body is too large" });
      expectNoTokenChange(reply);
    });
  });

  // Issue 2, found in review: after an oversized body the request was destroyed mid-read, and the
  // next request on that keep-alive connection was never answered (a proxy pooling connections to
  // the app would lose other users' requests).
  it("keeps a keep-alive connection answering after bodies over 64 KiB, on the same socket", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = (body: string) =>
      new Promise<{ status: number | undefined; body: string; reused: boolean }>((resolve, reject) => {
        const req = request(`${app.url}/t/signin`, { method: "POST", agent, headers: { "content-type": "application/json", "st-auth-mode": "header" }, timeout: 5_000 }, (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (text += chunk));
          res.on("end", () => resolve({ status: res.statusCode, body: text, reused: req.reusedSocket }));
        });
        req.on("timeout", () => req.destroy(new Error("no answer within 5 s")));
        req.on("error", reject);
        req.end(body);
      });
    try {
      const big = JSON.stringify({ userId: U1, pad: "x".repeat(200 * 1024) });
      expect(await post(big)).toMatchObject({ status: 400, body: JSON.stringify({ message: "Request body is too large" }) });
      expect(await post(big)).toMatchObject({ status: 400, reused: true });
      expect(await post(JSON.stringify({ userId: U1 }))).toMatchObject({ status: 200, reused: true });
    } finally {
      agent.destroy();
    }
  });

  it("control: a body just under 64 KiB is read", async () => {
    const reply = await send(app, "POST", "/t/signin", { headers: { "st-auth-mode": "header" }, body: JSON.stringify({ userId: U1, pad: "x".repeat(60 * 1024) }) });
    expect(reply.status).toBe(200);
  });
});

describe("cookies", () => {
  it("answers unauthorised for a 12 KiB garbage access-token cookie", async () => {
    await expectStorageUnchanged(app, async () => {
      expectOutcome(await send(app, "GET", "/t/session", { cookies: { sAccessToken: "A".repeat(12 * 1024) } }), UNAUTH);
    });
  });

  it("answers 431 (node's header limit), not 5xx, for a Cookie header over 16 KiB", async () => {
    await expectStorageUnchanged(app, async () => {
      const reply = await sendRaw(app, "GET", "/t/session", [["cookie", `sAccessToken=${"A".repeat(17 * 1024)}`]]);
      expect(reply.status).toBe(431);
    });
  });

  it("finds the session among hundreds of unrelated cookies", async () => {
    const cookies: Record<string, string> = {};
    for (let i = 0; i < 300; i++) cookies[`c${i}`] = "v";
    cookies.sAccessToken = bob.access;
    expect((await send(app, "GET", "/t/session", { cookies })).body).toEqual({ userId: U2, handle: bob.handle });
  });

  it("answers try-refresh for duplicate access-token cookies (protocol 1.10)", async () => {
    await expectStorageUnchanged(app, async () => {
      const reply = await send(app, "GET", "/t/session", { headers: { cookie: `sAccessToken=${bob.access}; sAccessToken=${bob.access}` } });
      expectOutcome(reply, TRY_REFRESH);
    });
  });

  it("treats a cookie with broken percent-encoding as absent", async () => {
    await expectStorageUnchanged(app, async () => {
      expectOutcome(await send(app, "GET", "/t/session", { headers: { cookie: "sAccessToken=%E0%A4%A" } }), UNAUTH);
      expectOutcome(await send(app, "POST", "/auth/session/refresh", { headers: { rid: "session", cookie: "sRefreshToken=%" } }), UNAUTH);
    });
  });
});

describe("Authorization headers", () => {
  const auth = (value: string) => send(app, "GET", "/t/session", { headers: { authorization: value } });

  it('answers unauthorised for "Bearer" with no token, and for "Bearer " with only spaces', async () => {
    await expectStorageUnchanged(app, async () => {
      expectOutcome(await auth("Bearer"), UNAUTH);
      expectOutcome(await sendRaw(app, "GET", "/t/session", [["authorization", "Bearer    "]]), UNAUTH);
      expectOutcome(await send(app, "POST", "/auth/session/refresh", { headers: { rid: "session", authorization: "Bearer" } }), UNAUTH);
    });
  });

  it("accepts two spaces after Bearer (RFC 7235 allows 1*SP)", async () => {
    expect((await auth(`Bearer  ${alice.access}`)).body).toEqual({ userId: U1, handle: alice.handle });
  });

  it('reads the scheme case-sensitively, as SuperTokens does: "bearer <A>" carries no token', async () => {
    expectOutcome(await auth(`bearer ${alice.access}`), UNAUTH);
    expectOutcome(await auth(`BEARER ${alice.access}`), UNAUTH);
  });

  it("answers unauthorised for other schemes (Basic dTpw, Token <A>)", async () => {
    expectOutcome(await auth("Basic dTpw"), UNAUTH);
    expectOutcome(await auth(`Token ${alice.access}`), UNAUTH);
  });

  it("answers unauthorised for two bearer tokens in one comma-joined header", async () => {
    await expectStorageUnchanged(app, async () => {
      expectOutcome(await auth(`Bearer ${alice.access}, Bearer ${alice.access}`), UNAUTH);
      expectOutcome(await auth(`Bearer ${alice.access},Bearer garbage`), UNAUTH);
    });
  });

  it("refuses several Authorization header lines, whatever their order", async () => {
    for (const lines of [
      [`Bearer ${alice.access}`, "Bearer garbage"],
      ["Bearer garbage", `Bearer ${alice.access}`],
      [`Bearer ${alice.access}`, `Bearer ${alice.access}`],
    ]) {
      const reply = await sendRaw(app, "GET", "/t/session", lines.map((value) => ["authorization", value] as [string, string]));
      expectOutcome(reply, UNAUTH);
    }
  });
});

// Review of issues 2/3: a made-up tenant in the path must not be a route (no accounts in it).
describe("tenant paths", () => {
  it("serves only configured tenants: an unknown tenant prefix is not one of tessera's routes", async () => {
    const { startTestApp, Client } = await import("../helpers/app.js");
    const app = await startTestApp({ tenants: [] });
    try {
      const client = new Client(app.url, "header");
      expect((await client.request("POST", "/auth/made-up-tenant/session/refresh")).status).toBe(404);
      expect((await client.request("POST", "/auth/public/session/refresh")).status).toBe(401);
      expect((await client.request("HEAD", "/auth/jwt/jwks.json")).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

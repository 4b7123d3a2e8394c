/**
 * Access-token forgery and JWT handling, security-cases.md §2 A and B (SEC-01..05, 07, 08, 10, 11,
 * 14), in cookie and header mode. Every case checks the outcome class, that no token is handed out,
 * and that storage (sessions, signing_keys, secrets) and the side-effect counter did not move.
 */
import { createHmac, generateKeyPairSync, X509Certificate, type KeyObject } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  b64,
  carry,
  carryRefresh,
  CLAIM_403,
  expectNoTokenChange,
  expectOutcome,
  expectStorageUnchanged,
  mintWithRealKey,
  MODES,
  parts,
  recordStorageCalls,
  rs256,
  selfSignedCertificate,
  send,
  sessionRecipe,
  startSecApp,
  TRY_REFRESH,
  U1,
  U2,
  UNAUTH,
  type Mode,
  type Outcome,
  type SecApp,
  type SignedIn,
} from "./harness.js";

const ROUTES = [
  ["GET", "/t/session"],
  ["POST", "/t/write"],
  ["GET", "/t/2fa"],
] as const;

/** The attacker's RSA key pair (same type as ours) and a self-signed certificate for it. */
const attacker = generateKeyPairSync("rsa", { modulusLength: 2048 });

// One app for both modes: verification failures change nothing, and each app costs an RSA key.
let app: SecApp;
beforeAll(async () => {
  app = await startSecApp({ session: { clockSkewLeeway: 30 } });
});
afterAll(async () => app.close());

describe.each(MODES)("access-token forgery (%s mode)", (mode: Mode) => {
  let alice: SignedIn;
  let bob: SignedIn;

  beforeAll(async () => {
    alice = await app.signIn(U1, mode);
    bob = await app.signIn(U2, mode);
  });

  /** `token` gets `outcome` on every test route, nothing is issued, nothing in storage moves, no storage write runs. */
  async function expectRefusedEverywhere(token: string, outcome: Outcome = TRY_REFRESH) {
    const recorder = recordStorageCalls();
    try {
      await expectStorageUnchanged(app, async () => {
        for (const [method, path] of ROUTES) {
          const reply = await send(app, method, path, carry(mode, token));
          expectOutcome(reply, outcome);
          expectNoTokenChange(reply);
        }
      });
      expect(recorder.calls.filter((c) => !/\.(get|list|getSecret)$/.test(c))).toEqual([]);
    } finally {
      recorder.restore();
    }
  }

  const withPayload = (token: string, change: (payload: Record<string, unknown>) => void) => {
    const { h, s, payload } = parts(token);
    change(payload);
    return `${h}.${b64(payload)}.${s}`;
  };

  it("accepts the untouched token (control for every forgery below)", async () => {
    expect((await send(app, "GET", "/t/session", carry(mode, alice.access))).body).toEqual({ userId: U1, handle: alice.handle });
    expectOutcome(await send(app, "GET", "/t/2fa", carry(mode, alice.access)), CLAIM_403);
    const before = app.counter.value;
    expect((await send(app, "POST", "/t/write", carry(mode, alice.access))).status).toBe(200);
    expect(app.counter.value).toBe(before + 1);
  });

  describe("SEC-01 signature bit-flip", () => {
    it("refuses the token when any one character of the signature is changed", async () => {
      const { h, p, s } = parts(alice.access);
      for (const at of [0, 1, 85, 170, 255, 340]) {
        const changed = s.slice(0, at) + (s[at] === "A" ? "B" : "A") + s.slice(at + 1);
        // Precondition: the change reaches the decoded bytes (not only base64's unused trailing bits).
        expect(Buffer.from(changed, "base64url").equals(Buffer.from(s, "base64url"))).toBe(false);
        await expectRefusedEverywhere(`${h}.${p}.${changed}`);
      }
    });

    it("refuses the token when one bit of the decoded signature is flipped", async () => {
      const { h, p, s } = parts(alice.access);
      for (const [index, mask] of [
        [0, 0x01],
        [128, 0x10],
        [255, 0x80],
      ] as const) {
        const bytes = Buffer.from(s, "base64url");
        bytes[index] = (bytes[index] as number) ^ mask;
        await expectRefusedEverywhere(`${h}.${p}.${bytes.toString("base64url")}`);
      }
    });

    it("refuses the signature spelled another way that decodes to the same bytes (unused trailing bits, standard alphabet)", async () => {
      const { h, p, s } = parts(alice.access);
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      // 256 bytes take 342 characters, whose last 4 bits are unused: flipping the lowest one changes only those.
      const trailing = s.slice(0, -1) + alphabet[alphabet.indexOf(s.slice(-1)) ^ 1];
      const standard = s.replace(/-/g, "+").replace(/_/g, "/");
      const spellings = [trailing, standard].filter((other) => other !== s);
      expect(spellings).toContain(trailing);
      for (const other of spellings) {
        // Precondition: a lenient decoder reads the very signature we issued.
        expect(Buffer.from(other, "base64url").equals(Buffer.from(s, "base64url"))).toBe(true);
        await expectRefusedEverywhere(`${h}.${p}.${other}`);
      }
    });
  });

  describe("SEC-02 claim tampering", () => {
    it("answers try-refresh, not 403 and not 200, when 2fa-completed is set to true in the payload", async () => {
      const forged = withPayload(alice.access, (payload) => {
        payload["2fa-completed"] = { v: true, t: (payload["2fa-completed"] as { t: number }).t };
      });
      await expectRefusedEverywhere(forged);
    });

    it("answers try-refresh when sub (and rsub) are changed to another user's id", async () => {
      await expectRefusedEverywhere(withPayload(alice.access, (payload) => (payload.sub = U2)));
      await expectRefusedEverywhere(
        withPayload(alice.access, (payload) => {
          payload.sub = U2;
          payload.rsub = U2;
        }),
      );
    });

    it("answers try-refresh when the session handle, the expiry or the tenant is changed", async () => {
      await expectRefusedEverywhere(withPayload(alice.access, (payload) => (payload.sessionHandle = bob.handle)));
      await expectRefusedEverywhere(withPayload(alice.access, (payload) => (payload.exp = (payload.exp as number) + 86_400)));
      await expectRefusedEverywhere(withPayload(alice.access, (payload) => (payload.tId = "other-tenant")));
    });
  });

  describe("SEC-03 foreign key, zero and empty signatures", () => {
    it("refuses a token with our header and payload signed by another RSA key", async () => {
      const { h, p } = parts(alice.access);
      await expectRefusedEverywhere(`${h}.${p}.${rs256(`${h}.${p}`, attacker.privateKey)}`);
    });

    it("refuses an ES256 header with the all-zero (r = s = 0) signature", async () => {
      const { header, p } = parts(alice.access);
      await expectRefusedEverywhere(`${b64({ ...header, alg: "ES256" })}.${p}.${"A".repeat(86)}`);
    });

    it("refuses an all-zero signature of the right length for RS256", async () => {
      const { h, p } = parts(alice.access);
      await expectRefusedEverywhere(`${h}.${p}.${"A".repeat(342)}`);
    });

    it("refuses an empty signature segment (h.p.)", async () => {
      const { h, p } = parts(alice.access);
      await expectRefusedEverywhere(`${h}.${p}.`);
    });
  });

  describe("SEC-04 alg none", () => {
    const NONE_HEADER = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"; // {"alg":"none","typ":"JWT"}

    it("refuses alg none with an empty signature and with the original signature", async () => {
      const { p, s } = parts(alice.access);
      expect(JSON.parse(Buffer.from(NONE_HEADER, "base64url").toString())).toEqual({ alg: "none", typ: "JWT" });
      await expectRefusedEverywhere(`${NONE_HEADER}.${p}.`);
      await expectRefusedEverywhere(`${NONE_HEADER}.${p}.${s}`);
    });

    it("refuses alg none even with our kid and version in the header", async () => {
      const { header, p, s } = parts(alice.access);
      await expectRefusedEverywhere(`${b64({ ...header, alg: "none" })}.${p}.`);
      await expectRefusedEverywhere(`${b64({ ...header, alg: "none" })}.${p}.${s}`);
    });

    it("refuses alg-none tokens on the refresh endpoint as unauthorised (its only failure class), changing nothing", async () => {
      const { header, p, s } = parts(alice.access);
      await expectStorageUnchanged(app, async () => {
        for (const token of [`${NONE_HEADER}.${p}.`, `${NONE_HEADER}.${p}.${s}`, `${b64({ ...header, alg: "none" })}.${p}.`]) {
          expectOutcome(await send(app, "POST", "/auth/session/refresh", carryRefresh(mode, token)), UNAUTH);
          // ...and with the forged access token alongside, in case it were read: still unauthorised.
          expectOutcome(await send(app, "POST", "/auth/session/refresh", carryRefresh(mode, token, carry(mode, token))), UNAUTH);
        }
      });
    });
  });

  describe("SEC-05 alg variants, missing and null alg, algorithm confusion", () => {
    const VARIANTS: [string, string][] = [
      ["None", "eyJhbGciOiJOb25lIiwidHlwIjoiSldUIn0"],
      ["NONE", "eyJhbGciOiJOT05FIiwidHlwIjoiSldUIn0"],
      ["nOnE", "eyJhbGciOiJuT25FIiwidHlwIjoiSldUIn0"],
      ['""', "eyJhbGciOiIiLCJ0eXAiOiJKV1QifQ"],
    ];

    it.each(VARIANTS)("refuses the reference header with alg %s, with and without the signature", async (_label, header) => {
      const { p, s } = parts(alice.access);
      await expectRefusedEverywhere(`${header}.${p}.`);
      await expectRefusedEverywhere(`${header}.${p}.${s}`);
    });

    it("refuses headers whose alg is missing, null, a look-alike or another type, keeping our kid and signature", async () => {
      const { header, p, s } = parts(alice.access);
      const { alg: _alg, ...withoutAlg } = header;
      for (const variant of [withoutAlg, { ...header, alg: null }, { ...header, alg: "rs256" }, { ...header, alg: "RS256 " }, { ...header, alg: ["RS256"] }, { ...header, alg: "PS256" }, {}]) {
        await expectRefusedEverywhere(`${b64(variant)}.${p}.${s}`);
      }
    });

    it("refuses an HS256 token whose HMAC key is our own public key (RS/HS confusion)", async () => {
      const { header, payload } = parts(alice.access);
      const publicKey = sessionRecipe().state.keys.cachedVerificationKey(header.kid as string) as KeyObject;
      expect(publicKey.type).toBe("public");
      const hs = { ...header, alg: "HS256" };
      for (const secret of [publicKey.export({ type: "spki", format: "pem" }).toString(), JSON.stringify(publicKey.export({ format: "jwk" }))]) {
        const input = `${b64(hs)}.${b64(payload)}`;
        await expectRefusedEverywhere(`${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`);
      }
    });

    it("answers unauthorised (not try-refresh) for Keycloak's three tokens, whose payload is not a session of ours", async () => {
      // {"alg":null}, no alg, {} — with payload {"sub":"test"}: not our structure, so "no session" (protocol 1.2 step 1).
      for (const token of ["eyJhbGciOm51bGx9.eyJzdWIiOiJ0ZXN0In0.ZmFrZQ", "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJ0ZXN0In0.ZmFrZQ", "e30.eyJzdWIiOiJ0ZXN0In0.ZmFrZQ"]) {
        await expectRefusedEverywhere(token, UNAUTH);
      }
    });
  });

  describe("SEC-07 embedded or remote keys (jwk, jku, x5u, x5c)", () => {
    let attackerServer: http.Server;
    let attackerUrl: string;
    const attackerRequests: string[] = [];
    const realGlobalFetch = globalThis.fetch;

    beforeAll(async () => {
      attackerServer = http.createServer((req, res) => {
        attackerRequests.push(`${req.method} ${req.url}`);
        res.end("{}");
      });
      await new Promise<void>((resolve) => attackerServer.listen(0, "127.0.0.1", resolve));
      attackerUrl = `http://127.0.0.1:${(attackerServer.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => attackerServer.close(() => resolve()));
    });
    afterEach(() => {
      globalThis.fetch = realGlobalFetch;
    });

    it("refuses every attacker-keyed header and makes no outbound request", async () => {
      const cert = selfSignedCertificate("attacker.example", attacker.publicKey, attacker.privateKey);
      expect(new X509Certificate(cert).verify(attacker.publicKey)).toBe(true);
      const jwk = { ...attacker.publicKey.export({ format: "jwk" }), kid: "attacker", alg: "RS256", use: "sig" };
      const { header, payload } = parts(alice.access);
      const fetchSpy = vi.fn(async () => {
        throw new Error("the engine must not fetch");
      });
      globalThis.fetch = fetchSpy as unknown as typeof fetch;
      const extras: Record<string, unknown>[] = [
        { jwk },
        { jku: `${attackerUrl}/jwks.json` },
        { x5u: `${attackerUrl}/cert.pem` },
        { x5c: [cert.toString("base64")] },
        { jwk, jku: `${attackerUrl}/jwks.json`, x5u: `${attackerUrl}/cert.pem`, x5c: [cert.toString("base64")] },
      ];
      for (const extra of extras) {
        for (const kid of [header.kid, "attacker"]) {
          const input = `${b64({ ...header, kid, ...extra })}.${b64(payload)}`;
          await expectRefusedEverywhere(`${input}.${rs256(input, attacker.privateKey)}`);
        }
      }
      expect(fetchSpy).not.toHaveBeenCalled();
      expect(attackerRequests).toEqual([]);
    });
  });

  describe("SEC-08 kid injection", () => {
    it("refuses the reference's path-traversal header (no version) with 401", async () => {
      const { p, s } = parts(alice.access);
      await expectRefusedEverywhere(`eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Ii4uLy4uLy4uLy4uLy4uLy4uL2Rldi9udWxsIn0.${p}.${s}`);
    });

    it("refuses every injected kid without touching the key store", async () => {
      const { header, p, s } = parts(alice.access);
      const kids: unknown[] = [
        "../../../../../../dev/null",
        "d-../../../../../../dev/null",
        "",
        "a".repeat(10_000),
        `d-${"A".repeat(10_000)}`,
        "d-' OR 1=1 --",
        "d-x'; DROP TABLE signing_keys; --",
        42,
        {},
        null,
        [header.kid],
        { toString: header.kid },
      ];
      const recorder = recordStorageCalls();
      try {
        for (const kid of kids) await expectRefusedEverywhere(`${b64({ ...header, kid })}.${p}.${s}`);
        // Malformed kids never reach storage (keys.ts KID_PATTERN): no statement ran at all.
        expect(recorder.calls).toEqual([]);
      } finally {
        recorder.restore();
      }
    });

    it("refuses the SQL-injection kid signed with HS256 and the key 'secret'", async () => {
      const { payload } = parts(alice.access);
      const input = `${b64({ alg: "HS256", typ: "JWT", version: "5", kid: "x' UNION SELECT 'secret' -- " })}.${b64(payload)}`;
      await expectRefusedEverywhere(`${input}.${createHmac("sha256", "secret").update(input).digest("base64url")}`);
    });

    it("refuses a flood of well-formed unknown kids with at most one key-store read", async () => {
      const { header, p, s } = parts(alice.access);
      const recorder = recordStorageCalls();
      try {
        for (let i = 0; i < 10; i++) await expectRefusedEverywhere(`${b64({ ...header, kid: `d-unknownKey${i}xxxxxxxx` })}.${p}.${s}`);
        expect(recorder.calls.filter((c) => c === "keys.list").length).toBeLessThanOrEqual(1);
        expect(recorder.calls.filter((c) => c !== "keys.list")).toEqual([]);
      } finally {
        recorder.restore();
      }
    });
  });

  describe("SEC-10 malformed tokens", () => {
    const cases: [string, (a: string) => string, Outcome][] = [
      ["not-a-jwt", () => "not-a-jwt", UNAUTH],
      ["a.b", () => "a.b", UNAUTH],
      ["a.b.c.d", () => "a.b.c.d", UNAUTH],
      ["..", () => "..", UNAUTH],
      ["!!!notbase64!!!.payload.signature", () => "!!!notbase64!!!.payload.signature", UNAUTH],
      ["four segments, the valid token plus one", (a) => `${a}.${parts(a).s}`, UNAUTH],
      ["a payload that is not JSON", (a) => `${parts(a).h}.${b64("{not json")}.${parts(a).s}`, UNAUTH],
      ["a payload that is a JSON array", (a) => `${parts(a).h}.${b64([1, 2])}.${parts(a).s}`, UNAUTH],
      ["a payload with = padding", (a) => `${parts(a).h}.${parts(a).p}==.${parts(a).s}`, UNAUTH],
      ["a payload in standard base64 (+ and /)", (a) => `${parts(a).h}.${Buffer.from(parts(a).p, "base64url").toString("base64").replace(/=+$/, "")}+/.${parts(a).s}`, UNAUTH],
      // Tokens whose payload is ours but whose header or signature is broken: a failed verification.
      ["a header that decodes to [1,2]", (a) => `${b64([1, 2])}.${parts(a).p}.${parts(a).s}`, TRY_REFRESH],
      ['a header that decodes to "hello"', (a) => `${b64("hello")}.${parts(a).p}.${parts(a).s}`, TRY_REFRESH],
      ["a header that is not JSON", (a) => `${b64("{")}.${parts(a).p}.${parts(a).s}`, TRY_REFRESH],
      ["a header with = padding", (a) => `${parts(a).h}=.${parts(a).p}.${parts(a).s}`, TRY_REFRESH],
      ["a signature with = padding", (a) => `${parts(a).h}.${parts(a).p}.${parts(a).s}==`, TRY_REFRESH],
      ["a signature in standard base64 (+ and /)", (a) => `${parts(a).h}.${parts(a).p}.${parts(a).s.replace(/-/g, "+").replace(/_/g, "/")}x+`, TRY_REFRESH],
    ];

    it.each(cases)("answers 401 for %s", async (_label, build, outcome) => {
      await expectRefusedEverywhere(build(alice.access), outcome);
    });

    if (mode === "cookie") {
      it("takes the cookie value literally: a trailing space or newline inside it fails verification", async () => {
        await expectRefusedEverywhere(`${alice.access} `);
        await expectRefusedEverywhere(`${alice.access}\n`);
        await expectRefusedEverywhere(`${alice.access}\r\n`);
      });
    } else {
      it("accepts a trailing space after the bearer token, which HTTP strips as whitespace (RFC 9110 5.5)", async () => {
        const reply = await send(app, "GET", "/t/session", { headers: { authorization: `Bearer ${alice.access} ` } });
        expect(reply.status).toBe(200);
      });
    }
  });

  describe("SEC-11 exp and nbf boundaries (signed with the real key)", () => {
    const nowS = () => Math.floor(app.clock.now() / 1000);
    const minted = (change: (payload: Record<string, unknown>) => void) => {
      const { payload } = parts(alice.access);
      change(payload);
      return mintWithRealKey(payload);
    };

    it("control: a token the test mints with the real key is accepted", async () => {
      const token = await minted(() => undefined);
      expect((await send(app, "GET", "/t/session", carry(mode, token))).status).toBe(200);
    });

    it("refuses exp equal to now (the time must be before exp, RFC 7519)", async () => {
      await expectRefusedEverywhere(await minted((payload) => (payload.exp = nowS())));
    });

    it("refuses exp one second in the past, whatever the iat/nbf leeway", async () => {
      await expectRefusedEverywhere(await minted((payload) => (payload.exp = nowS() - 1)));
    });

    it("refuses nbf 600 s in the future", async () => {
      await expectRefusedEverywhere(await minted((payload) => (payload.nbf = nowS() + 600)));
    });

    it("accepts nbf equal to now", async () => {
      const token = await minted((payload) => (payload.nbf = nowS()));
      await expectStorageUnchanged(app, async () => {
        expect((await send(app, "GET", "/t/session", carry(mode, token))).status).toBe(200);
      });
    });

    it("accepts a real token one second before its exp and refuses it at exp", async () => {
      const { exp } = parts(alice.access).payload as { exp: number };
      const start = app.clock.now();
      try {
        app.clock.set(exp * 1000 - 1000);
        await expectStorageUnchanged(app, async () => {
          expect((await send(app, "GET", "/t/session", carry(mode, alice.access))).status).toBe(200);
        });
        app.clock.set(exp * 1000);
        await expectRefusedEverywhere(alice.access);
      } finally {
        app.clock.set(start);
      }
    });
  });

  describe("SEC-14 iat in the future (clock skew between instances, leeway 30 s)", () => {
    const nowS = () => Math.floor(app.clock.now() / 1000);
    const withIat = (offset: number) => {
      const { payload } = parts(alice.access);
      return mintWithRealKey({ ...payload, iat: nowS() + offset });
    };

    it("accepts iat 20 s and 30 s ahead (within the configured leeway)", async () => {
      for (const offset of [20, 30]) {
        const token = await withIat(offset);
        expect((await send(app, "GET", "/t/session", carry(mode, token))).status).toBe(200);
      }
    });

    it("refuses iat 31 s and 2 h ahead", async () => {
      await expectRefusedEverywhere(await withIat(31));
      await expectRefusedEverywhere(await withIat(7200));
    });

    it("applies the leeway to nbf as well: nbf 20 s ahead is accepted, 31 s ahead is refused", async () => {
      const { payload } = parts(alice.access);
      const ok = await mintWithRealKey({ ...payload, nbf: nowS() + 20 });
      expect((await send(app, "GET", "/t/session", carry(mode, ok))).status).toBe(200);
      await expectRefusedEverywhere(await mintWithRealKey({ ...payload, nbf: nowS() + 31 }));
    });
  });
});

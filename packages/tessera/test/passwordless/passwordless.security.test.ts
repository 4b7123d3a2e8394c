/**
 * Security cases of the passwordless codes over real HTTP on real SQLite (issue 7; security-cases.md
 * SEC-42, SEC-45, SEC-46's storage rule, categories N and Q; ASVS 6.5.1, 6.5.5, 6.6.3; NIST
 * 800-63B 5.1.3.2): secrets at rest, lifetime boundaries on the injected clock, the input limit
 * and resends, single use under parallel consumes, the sending limits per contact and per client
 * address, and malformed input.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/core/errors.js";
import Passwordless from "../../src/recipe/passwordless/index.js";
import {
  consumeCode,
  createCode,
  freshEmail,
  lastMessage,
  linkCodeOf,
  MINUTE,
  passwordlessApp,
  resendCode,
  startFlow,
  T0_MS,
  type PasswordlessApp,
  type PasswordlessAppOptions,
} from "./helpers.js";

const RESTART = { status: "RESTART_FLOW_ERROR" };
const incorrect = (n: number) => ({ status: "INCORRECT_USER_INPUT_CODE_ERROR", failedCodeInputAttemptCount: n, maximumCodeInputAttempts: 5 });
const expired = (n: number) => ({ status: "EXPIRED_USER_INPUT_CODE_ERROR", failedCodeInputAttemptCount: n, maximumCodeInputAttempts: 5 });

/** A 6-digit code other than `code`, different for each n. */
const wrongCode = (code: string | undefined, n = 0): string => String((Number(code) + 1 + n) % 1_000_000).padStart(6, "0");

type Flow = Awaited<ReturnType<typeof startFlow>>;
const codeInput = (flow: Flow, userInputCode = flow.message.userInputCode) => ({ preAuthSessionId: flow.preAuthSessionId, deviceId: flow.deviceId, userInputCode });
const linkInput = (flow: Flow) => ({ preAuthSessionId: flow.preAuthSessionId, linkCode: linkCodeOf(flow.message) });

/** Every row of every table, through the read-only connection: "storage unchanged" compares these. */
function snapshot(app: PasswordlessApp): Record<string, unknown[]> {
  const tables = app.rows<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  return Object.fromEntries(tables.map(({ name }) => [name, app.rows(`SELECT * FROM "${name}" ORDER BY rowid`)]));
}

/**
 * Holds consumes until `size` of them have arrived, then lets them all into the recipe at once.
 * Over HTTP to one process on SQLite, parallel requests otherwise reach the recipe one after the
 * other; a database that answers asynchronously (PostgreSQL, several instances) interleaves them.
 */
const gate = {
  size: 0,
  waiting: [] as (() => void)[],
  pass(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (this.waiting.length < this.size) return;
      const all = this.waiting;
      this.waiting = [];
      this.size = 0;
      for (const release of all) release();
    });
  },
};
const gated: PasswordlessAppOptions = {
  passwordless: {
    override: {
      functions: (original) => ({
        ...original,
        consumeCode: async (input) => {
          await gate.pass();
          return original.consumeCode(input);
        },
      }),
    },
  },
};

/** Sends these consumes at once and lets them reach the recipe together. */
function consumeTogether(app: PasswordlessApp, inputs: Record<string, unknown>[]) {
  gate.size = inputs.length;
  return Promise.all(inputs.map((input) => consumeCode(app.client(), input)));
}

const devicesOf = (app: PasswordlessApp, email: string) => app.rows("SELECT * FROM passwordless_devices WHERE email = ?", email);
const sessionCount = (app: PasswordlessApp) => (app.rows<{ n: number }>("SELECT COUNT(*) AS n FROM sessions")[0] as { n: number }).n;

describe("codes at rest", () => {
  const app = passwordlessApp();

  // SEC-46's storage rule for out-of-band codes (ASVS 6.5.2, issue 7: "stored only as hashes").
  it("keeps no code, link code or deviceId in any table, nor in the database files", async () => {
    const email = freshEmail("rest");
    const c = app.client();
    const flow = await startFlow(app, c, { email });
    expect((await resendCode(c, { preAuthSessionId: flow.preAuthSessionId, deviceId: flow.deviceId })).body).toEqual({ status: "OK" });
    const resent = lastMessage(app, email);
    const codes = [flow.message.userInputCode as string, resent.userInputCode as string];
    const secrets = [linkCodeOf(flow.message), linkCodeOf(resent), flow.deviceId];

    const check = () => {
      const stored = app.rows<{ user_input_code_hash: string; link_code_hash: string }>("SELECT * FROM passwordless_codes WHERE pre_auth_session_id = ?", flow.preAuthSessionId);
      const cells = Object.values(snapshot(app)).flatMap((rows) => rows.flatMap((row) => Object.values(row as Record<string, unknown>))).filter((v): v is string => typeof v === "string");
      for (const code of codes) {
        // A code is 6 digits: "appears" means as a run of exactly those digits.
        const alone = new RegExp(`(^|[^0-9])${code}([^0-9]|$)`);
        expect(cells.filter((cell) => !/^[0-9a-f]{64}$/.test(cell) && alone.test(cell))).toEqual([]);
        // Not even as an unkeyed hash, which a million guesses would reverse.
        expect(cells).not.toContain(createHash("sha256").update(code).digest("hex"));
      }
      for (const secret of secrets) expect(cells.filter((cell) => cell.includes(secret))).toEqual([]);
      const raw = app.rawBytes().toString("latin1");
      for (const secret of secrets) expect(raw.includes(secret), "a secret in the database files").toBe(false);
      for (const code of codes) expect(new RegExp(`(?<![0-9A-Za-z])${code}(?![0-9A-Za-z])`).test(raw), "a code in the database files").toBe(false);
      return stored;
    };

    const stored = check();
    expect(stored).toHaveLength(2);
    for (const row of stored) {
      expect(row.user_input_code_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.link_code_hash).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(app.rows<{ device_id_hash: string }>("SELECT device_id_hash FROM passwordless_devices WHERE pre_auth_session_id = ?", flow.preAuthSessionId)).toEqual([
      { device_id_hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
    // Nor once the code is used and the user made.
    expect((await consumeCode(c, codeInput(flow, resent.userInputCode))).body?.status).toBe("OK");
    expect(check()).toEqual([]);
  });
});

describe("code lifetime (ASVS 6.5.5, NIST 5.1.3.2: at most 10 minutes)", () => {
  const app = passwordlessApp();

  it("accepts the right code at 9:59 and answers EXPIRED at 10:01; a link at 10:01 restarts the flow", async () => {
    app.clock.set(T0_MS);
    const c = app.client();
    const early = await startFlow(app, c, { email: freshEmail("early") });
    const late = await startFlow(app, c, { email: freshEmail("late") });
    const lateLink = await startFlow(app, c, { email: freshEmail("late-link") });
    expect(early.message.codeLifetime).toBe(10 * MINUTE);

    app.clock.set(T0_MS + 9 * MINUTE + 59_000);
    expect((await consumeCode(c, codeInput(early))).body?.status).toBe("OK");

    app.clock.set(T0_MS + 10 * MINUTE + 1000);
    const reply = await consumeCode(c, codeInput(late));
    expect(reply.body).toEqual(expired(1));
    expect(reply.headers.get("front-token")).toBeNull();
    expect((await consumeCode(c, linkInput(lateLink))).body).toEqual(RESTART);
    // The late code's link is dead too.
    expect((await consumeCode(c, linkInput(late))).body).toEqual(RESTART);

    // A resend gives a fresh code with a lifetime of its own; the old one stays expired.
    expect((await resendCode(c, { preAuthSessionId: late.preAuthSessionId, deviceId: late.deviceId })).body).toEqual({ status: "OK" });
    const fresh = lastMessage(app, late.message.email as string);
    expect((await consumeCode(c, codeInput(late))).body).toEqual(expired(2));
    expect((await consumeCode(c, codeInput(late, fresh.userInputCode))).body?.status).toBe("OK");
    app.clock.set(T0_MS);
  });

  it("refuses at init a lifetime above the maximum, or not a whole number of seconds, saying what to change", () => {
    const init = (codeLifetime: unknown) => () => Passwordless.init({ contactMethod: "EMAIL", flowType: "USER_INPUT_CODE", codeLifetime: codeLifetime as number });
    for (const bad of [86_401, 10 ** 9, 0, -600, 600.5, "600", Number.POSITIVE_INFINITY, Number.NaN]) {
      expect(init(bad), String(bad)).toThrow(ConfigError);
      expect(init(bad), String(bad)).toThrow("Passwordless.init: codeLifetime must be a whole number of seconds from 1 to 86400 (default 600)");
    }
    // Longer than 10 minutes only when configured (documented on codeLifetime).
    expect(init(86_400)).not.toThrow();
  });
});

describe("a configured longer lifetime", () => {
  const app = passwordlessApp({ passwordless: { codeLifetime: 15 * 60 } });

  it("is honoured to the second", async () => {
    app.clock.set(T0_MS);
    const c = app.client();
    const inTime = await startFlow(app, c, { email: freshEmail() });
    const tooLate = await startFlow(app, c, { email: freshEmail() });
    expect(inTime.message.codeLifetime).toBe(15 * MINUTE);
    app.clock.set(T0_MS + 15 * MINUTE - 1000);
    expect((await consumeCode(c, codeInput(inTime))).body?.status).toBe("OK");
    app.clock.set(T0_MS + 15 * MINUTE);
    expect((await consumeCode(c, codeInput(tooLate))).body).toEqual(expired(1));
    app.clock.set(T0_MS);
  });
});

describe("wrong inputs (SEC-42: at most 5, then the flow restarts)", () => {
  const app = passwordlessApp(gated);

  it("answers RESTART_FLOW_ERROR from the 5th wrong input on, even for the right code, and forgets the flow", async () => {
    const email = freshEmail("guess");
    const c = app.client();
    const flow = await startFlow(app, c, { email });
    const sessions = sessionCount(app);
    for (let n = 1; n <= 4; n++) expect((await consumeCode(c, codeInput(flow, wrongCode(flow.message.userInputCode, n)))).body).toEqual(incorrect(n));
    expect(app.rows("SELECT failed_attempts FROM passwordless_devices WHERE pre_auth_session_id = ?", flow.preAuthSessionId)).toEqual([{ failed_attempts: 4 }]);
    expect((await consumeCode(c, codeInput(flow, wrongCode(flow.message.userInputCode, 5)))).body).toEqual(RESTART);
    const right = await consumeCode(c, codeInput(flow));
    expect(right.body).toEqual(RESTART);
    expect(right.headers.get("front-token")).toBeNull();
    expect((await consumeCode(c, linkInput(flow))).body).toEqual(RESTART);
    expect((await resendCode(c, { preAuthSessionId: flow.preAuthSessionId, deviceId: flow.deviceId })).body).toEqual(RESTART);
    expect(devicesOf(app, email)).toEqual([]);
    expect(app.rows("SELECT * FROM passwordless_codes WHERE pre_auth_session_id = ?", flow.preAuthSessionId)).toEqual([]);
    expect(app.rows("SELECT * FROM passwordless_users WHERE email = ?", email)).toEqual([]);
    expect(sessionCount(app)).toBe(sessions);
    expect(c.cookie("sAccessToken")).toBeUndefined();
  });

  it("a resend does not reset the count: the new code is refused once the flow's inputs are spent", async () => {
    const email = freshEmail("resend-count");
    const c = app.client();
    const flow = await startFlow(app, c, { email });
    for (let n = 1; n <= 3; n++) expect((await consumeCode(c, codeInput(flow, wrongCode(flow.message.userInputCode, n)))).body).toEqual(incorrect(n));
    expect((await resendCode(c, { preAuthSessionId: flow.preAuthSessionId, deviceId: flow.deviceId })).body).toEqual({ status: "OK" });
    const resent = lastMessage(app, email);
    expect(app.rows("SELECT failed_attempts FROM passwordless_devices WHERE pre_auth_session_id = ?", flow.preAuthSessionId)).toEqual([{ failed_attempts: 3 }]);
    const wrong = (n: number) => {
      // Wrong for both codes the flow now has.
      let guess = wrongCode(resent.userInputCode, n);
      while (guess === flow.message.userInputCode) guess = wrongCode(guess);
      return guess;
    };
    expect((await consumeCode(c, codeInput(flow, wrong(1)))).body).toEqual(incorrect(4));
    expect((await consumeCode(c, codeInput(flow, wrong(2)))).body).toEqual(RESTART);
    expect((await consumeCode(c, codeInput(flow, resent.userInputCode))).body).toEqual(RESTART);
    expect(devicesOf(app, email)).toEqual([]);
  });

  it("checks no more than 5 inputs of a flow sent in parallel, and the right code is refused after them", async () => {
    const email = freshEmail("parallel-guess");
    const c = app.client();
    const flow = await startFlow(app, c, { email });
    const replies = await consumeTogether(app, Array.from({ length: 12 }, (_, n) => codeInput(flow, wrongCode(flow.message.userInputCode, n))));
    for (const reply of replies) expect(reply.status).toBe(200);
    const statuses = replies.map((r) => r.body?.status);
    const counted = replies.filter((r) => r.body?.status === "INCORRECT_USER_INPUT_CODE_ERROR").map((r) => r.body?.failedCodeInputAttemptCount as number);
    // Each counted input has its own number, below the limit; every other one restarts.
    expect(new Set(counted).size).toBe(counted.length);
    for (const n of counted) expect(n).toBeLessThanOrEqual(4);
    expect(statuses.filter((s) => s !== "INCORRECT_USER_INPUT_CODE_ERROR").every((s) => s === "RESTART_FLOW_ERROR")).toBe(true);
    expect((await consumeCode(c, codeInput(flow))).body).toEqual(RESTART);
    expect(app.rows("SELECT * FROM passwordless_users WHERE email = ?", email)).toEqual([]);
  });
});

describe("single use (ASVS 6.5.1, NIST 5.1.3.2, SEC-45)", () => {
  const app = passwordlessApp(gated);

  it("a used code, and its link, restart the flow", async () => {
    const c = app.client();
    const flow = await startFlow(app, c, { email: freshEmail("once") });
    expect((await consumeCode(c, codeInput(flow))).body?.status).toBe("OK");
    const again = app.client();
    const replay = await consumeCode(again, codeInput(flow));
    expect(replay.body).toEqual(RESTART);
    expect(replay.headers.get("front-token")).toBeNull();
    expect((await consumeCode(again, linkInput(flow))).body).toEqual(RESTART);
    expect(again.cookie("sAccessToken")).toBeUndefined();
  });

  for (const kind of ["code", "link", "code and link"] as const) {
    it(`ten parallel consumes of one ${kind} yield exactly one OK, one user and one session`, async () => {
      const email = freshEmail("race");
      const flow = await startFlow(app, app.client(), { email });
      const sessions = sessionCount(app);
      const input = (i: number) => (kind === "code" || (kind === "code and link" && i % 2 === 0) ? codeInput(flow) : linkInput(flow));
      const replies = await consumeTogether(app, Array.from({ length: 10 }, (_, i) => input(i)));
      const statuses = replies.map((r) => r.body?.status);
      expect(statuses.filter((s) => s === "OK"), JSON.stringify(statuses)).toHaveLength(1);
      expect(statuses.filter((s) => s !== "OK").every((s) => s === "RESTART_FLOW_ERROR"), JSON.stringify(statuses)).toBe(true);
      expect(replies.filter((r) => r.headers.get("front-token") !== null)).toHaveLength(1);
      expect(app.rows("SELECT * FROM passwordless_users WHERE email = ?", email)).toHaveLength(1);
      expect(sessionCount(app)).toBe(sessions + 1);
      expect(devicesOf(app, email)).toEqual([]);
    });
  }
});

describe("sending limits (ASVS 2.4.1 / 6.6.3, SEC-60's kind: SMS pumping and mail bombing)", () => {
  const IDENTIFIER_MAX = 3;
  const ADDRESS_MAX = 4;
  const app = passwordlessApp({
    limits: {
      trustProxy: 1,
      identifier: { passwordlessCode: { max: IDENTIFIER_MAX, windowSeconds: 900, lockSeconds: 900 } },
      address: { passwordlessCode: { max: ADDRESS_MAX, windowSeconds: 3600, lockSeconds: 3600 } },
    },
  });
  const from = (address: string) => ({ "x-forwarded-for": address });
  const TOO_MANY = { message: "Too many requests: try again later" };

  it("limits the codes sent to one email, whichever addresses ask, and sends nothing once limited", async () => {
    app.clock.set(T0_MS);
    const email = freshEmail("bombed");
    const c = app.client();
    const flows: { preAuthSessionId: string; deviceId: string }[] = [];
    for (let i = 1; i <= IDENTIFIER_MAX; i++) {
      const reply = await createCode(c, { email }, undefined, from(`10.1.0.${i}`));
      expect(reply.body?.status).toBe("OK");
      flows.push({ preAuthSessionId: reply.body?.preAuthSessionId as string, deviceId: reply.body?.deviceId as string });
    }
    const sent = app.outbox.length;
    const stored = snapshot(app).passwordless_devices;
    for (let i = IDENTIFIER_MAX + 1; i <= IDENTIFIER_MAX + 5; i++) {
      const limited = await createCode(c, { email: i % 2 === 0 ? email.toUpperCase() : ` ${email}` }, undefined, from(`10.1.0.${i}`));
      expect(limited.status).toBe(429);
      expect(limited.body).toEqual(TOO_MANY);
      expect(limited.headers.get("retry-after")).toBe("900");
    }
    // A resend to the same email is a send as well: refused, and its code taken back.
    const resend = await resendCode(c, { ...flows[0] }, undefined, from("10.1.0.99"));
    expect(resend.status).toBe(429);
    expect(resend.headers.get("retry-after")).toBe("900");
    expect(app.outbox).toHaveLength(sent);
    expect(snapshot(app).passwordless_devices).toEqual(stored);
    expect(app.rows("SELECT * FROM passwordless_codes WHERE pre_auth_session_id IN (?, ?, ?)", ...flows.map((f) => f.preAuthSessionId))).toHaveLength(IDENTIFIER_MAX);

    // Another email is not affected, and the wait ends when Retry-After says.
    expect((await createCode(c, { email: freshEmail() }, undefined, from("10.1.0.50"))).body?.status).toBe("OK");
    app.clock.advance(899_000);
    expect((await createCode(c, { email }, undefined, from("10.1.0.51"))).headers.get("retry-after")).toBe("1");
    app.clock.advance(1000);
    expect((await createCode(c, { email }, undefined, from("10.1.0.52"))).body?.status).toBe("OK");
  });

  it("limits the codes one client address asks for, over many emails, and sends nothing once limited", async () => {
    app.clock.set(T0_MS + 3 * 3_600_000);
    const c = app.client();
    const address = from("203.0.113.7");
    for (let i = 0; i < ADDRESS_MAX; i++) expect((await createCode(c, { email: freshEmail("pump") }, undefined, address)).body?.status).toBe("OK");
    const sent = app.outbox.length;
    const before = snapshot(app);
    for (let i = 0; i < 5; i++) {
      const limited = await createCode(c, { email: freshEmail("pump") }, undefined, address);
      expect(limited.status).toBe(429);
      expect(limited.body).toEqual(TOO_MANY);
      expect(limited.headers.get("retry-after")).toBe("3600");
    }
    expect(app.outbox).toHaveLength(sent);
    expect(snapshot(app).passwordless_devices).toEqual(before.passwordless_devices);
    expect(snapshot(app).passwordless_codes).toEqual(before.passwordless_codes);
    // Another client is not affected.
    expect((await createCode(c, { email: freshEmail("pump") }, undefined, from("203.0.113.8"))).body?.status).toBe("OK");
    app.clock.set(T0_MS);
  });
});

describe("malformed input (categories N and P: 400 with a message, never a 500, storage unchanged)", () => {
  const app = passwordlessApp();

  async function raw(path: string, body: string, contentType = "application/json") {
    const response = await fetch(app.url + path, { method: "POST", headers: { "content-type": contentType, rid: "passwordless" }, body });
    const text = await response.text();
    return { status: response.status, text };
  }

  it("answers 400 with a message to ill-typed, missing, conflicting and oversized fields, and stores nothing", async () => {
    const email = freshEmail("bad-input");
    const c = app.client();
    const flow = await startFlow(app, c, { email });
    const before = snapshot(app);
    const sent = app.outbox.length;
    const huge = "a".repeat(100_000);
    const long = "a".repeat(600);
    const { preAuthSessionId, deviceId } = flow;
    const cases: [path: string, body: unknown][] = [
      ["code", {}],
      ["code", { email: 123 }],
      ["code", { email: null }],
      ["code", { email: [email] }],
      ["code", { email: { $ne: "" } }],
      ["code", { phoneNumber: 16502530000 }],
      ["code", { email, phoneNumber: "+16502530000" }],
      ["code", { email: `${long}@example.com` }],
      ["code", { email: `${huge}@example.com` }],
      ["code", { email, shouldTryLinkingWithSessionUser: "true" }],
      ["code", [email]],
      ["code", "email"],
      ["code/resend", {}],
      ["code/resend", { preAuthSessionId }],
      ["code/resend", { deviceId }],
      ["code/resend", { preAuthSessionId, deviceId: 42 }],
      ["code/resend", { preAuthSessionId: long, deviceId }],
      ["code/consume", {}],
      ["code/consume", { preAuthSessionId }],
      ["code/consume", { deviceId, userInputCode: flow.message.userInputCode }],
      ["code/consume", { preAuthSessionId, deviceId }],
      ["code/consume", { preAuthSessionId, userInputCode: flow.message.userInputCode }],
      ["code/consume", { preAuthSessionId, deviceId, userInputCode: Number(flow.message.userInputCode) }],
      ["code/consume", { preAuthSessionId, deviceId, userInputCode: [flow.message.userInputCode] }],
      ["code/consume", { preAuthSessionId: { $gt: "" }, deviceId, userInputCode: flow.message.userInputCode }],
      ["code/consume", { preAuthSessionId, linkCode: linkCodeOf(flow.message), deviceId, userInputCode: flow.message.userInputCode }],
      ["code/consume", { preAuthSessionId, linkCode: linkCodeOf(flow.message), deviceId }],
      ["code/consume", { preAuthSessionId, linkCode: 1 }],
      ["code/consume", { preAuthSessionId, linkCode: long }],
      ["code/consume", { preAuthSessionId, deviceId, userInputCode: huge }],
    ];
    for (const [path, body] of cases) {
      const reply = await c.request("POST", `/auth/signinup/${path}`, { body });
      const label = `${path} ${JSON.stringify(body).slice(0, 120)}`;
      expect(reply.status, label).toBe(400);
      expect(Object.keys(reply.body ?? {}), label).toEqual(["message"]);
      expect(reply.body?.message, label).toEqual(expect.stringMatching(/\w/));
    }
    for (const [path, body, type, status] of [
      ["code", "{not json", "application/json", 400],
      ["code", "", "application/json", 400],
      ["code/consume", `{"preAuthSessionId":`, "application/json", 400],
      ["code", `{"email":"${huge}"}`, "application/json", 400],
      // A body not typed as JSON is refused before it is read (login CSRF, see the framework suite).
      ["code", `{"email":"a@example.com"}`, "text/plain", 415],
    ] as const) {
      const reply = await raw(`/auth/signinup/${path}`, body, type);
      expect(reply.status, `${path} ${body.slice(0, 40)}`).toBe(status);
      expect(JSON.parse(reply.text)).toEqual({ message: expect.stringMatching(/\w/) });
    }
    expect(app.outbox).toHaveLength(sent);
    expect(snapshot(app)).toEqual(before);
    // None of that counted as an input: the flow's code still works.
    expect((await consumeCode(c, codeInput(flow))).body?.status).toBe("OK");
  });

  it("answers well-typed nonsense with a status of the protocol, never a 500, and stores nothing", async () => {
    const c = app.client();
    const before = snapshot(app);
    const sent = app.outbox.length;
    for (const body of [
      { email: "" },
      { email: "\u0000@example.com" },
      { email: "a@b" },
      { email: "' OR '1'='1'--@example.com" },
      { phoneNumber: "" },
      { phoneNumber: "+" },
      { phoneNumber: `+1${"9".repeat(500)}` },
    ]) {
      const reply = await createCode(c, body);
      expect(reply.status, JSON.stringify(body)).toBe(200);
      expect(reply.body?.status, JSON.stringify(body)).toBe("GENERAL_ERROR");
    }
    for (const body of [
      { preAuthSessionId: "' OR 1=1 --", deviceId: "x", userInputCode: "000000" },
      { preAuthSessionId: "", deviceId: "", userInputCode: "" },
      { preAuthSessionId: "%27%3B--", linkCode: "../../etc/passwd" },
    ]) {
      const reply = await consumeCode(c, body);
      expect(reply.status, JSON.stringify(body)).toBe(200);
      expect(reply.body).toEqual(RESTART);
    }
    expect((await resendCode(c, { preAuthSessionId: "' OR 1=1 --", deviceId: "' OR 1=1 --" })).body).toEqual(RESTART);
    expect(app.outbox).toHaveLength(sent);
    expect(snapshot(app)).toEqual(before);

    // A number followed by other text is read as the number (libphonenumber extracts it): the
    // code goes to its E.164 form, and the text is kept nowhere.
    const padded = await createCode(c, { phoneNumber: "+1 650 253 0000; DROP TABLE passwordless_users" });
    expect(padded.body?.status).toBe("OK");
    expect(lastMessage(app, "+16502530000").preAuthSessionId).toBe(padded.body?.preAuthSessionId);
    expect(JSON.stringify(snapshot(app))).not.toContain("DROP TABLE");
  });
});

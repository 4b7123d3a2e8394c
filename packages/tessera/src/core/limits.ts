/**
 * The shared attempt limiter: lockout per account across every factor, and rate limits per
 * client address, over counters in storage (so every instance sharing the database sees them).
 *
 * A counter holds facts only (how many events in the current run, when the first and the latest
 * happened); a {@link LimitRule} says what they mean. An attempt first *reserves* an event with
 * a compare-and-set write and is checked only if the reservation was granted: a burst of
 * parallel guesses, on one instance or many, can never have more attempts checked than the rule
 * allows. The caller then settles: a success resets the run (or releases its reservation, where
 * a success must not wipe the count, e.g. a client address), a failure leaves it counted.
 *
 * Defaults follow NIST SP 800-63B §5.2.2 (at most 100 consecutive failures per account; growing
 * waits to spare the real user) and SuperTokens for second factors (5 failures, 15 min).
 */
import { isIP } from "node:net";
import { ConfigError } from "./errors.js";
import type { HttpRequest } from "./http.js";
import type { LimitCounterRow, LimitStore } from "./storage.js";

/** What a counter's facts mean. Times in ms; `Infinity` switches a bound off. */
export interface LimitRule {
  /** Events in one run that start a lock (the event that reaches it is still allowed). */
  max: number;
  /** How long a lock lasts after the run's latest event (the first lock, when escalating). */
  lockMs: number;
  /** After a lock the run goes on and each further event doubles the lock, up to `maxLockMs`; otherwise the run starts afresh. */
  escalate: boolean;
  maxLockMs: number;
  /** A run ends when its first event is this old (a fixed window). */
  windowMs: number;
  /** A run ends when its latest event is this old. */
  idleMs: number;
  /** From this many events on, the key stays locked until it is reset (a password reset or an admin). */
  hardMax: number;
}

/** Per-address limit of one endpoint: at most `max` events per `windowSeconds`, then a lock of `lockSeconds`. */
export interface AddressLimitConfig {
  max?: number;
  windowSeconds?: number;
  lockSeconds?: number;
}

/**
 * `tessera.init({ limits })`. Every field is optional; `false` switches a limit off.
 *
 * @example
 * tessera.init({ ..., limits: { trustProxy: 1, account: { maxFailures: 5 }, address: { signUp: { max: 10, windowSeconds: 3600 } } } });
 */
export interface LimitsConfig {
  /**
   * Which client address the per-address limits count. Default: the socket's remote address;
   * `X-Forwarded-For` is never read (ASVS 15.3.4), so behind a reverse proxy every client is
   * the proxy's address until this is set. A number: how many proxies in front of the app
   * append to `X-Forwarded-For`. A function: whether to trust the hop `address` (0 = the socket).
   */
  trustProxy?: number | ((address: string, hop: number) => boolean);
  /**
   * Consecutive failed credentials of one account, over every factor (password, TOTP, recovery
   * codes). Default: 10 failures lock for 15 min; each further failure doubles the lock up to
   * 24 h; 100 in a row lock until a password reset (NIST 800-63B §5.2.2). A completed sign-in resets it.
   */
  account?: { maxFailures?: number; lockSeconds?: number; maxLockSeconds?: number; maxConsecutiveFailures?: number } | false;
  /**
   * Failed second factors (TOTP, recovery codes) of one account: default 5, then 15 min
   * (SuperTokens' TOTP limit). Cannot be switched off: NIST §5.2.2 requires a limit for codes
   * under 64 bits. `TOTP.init({ maxAttempts, cooldownSeconds })` still sets TOTP's own tolerance.
   */
  secondFactor?: { maxFailures?: number; lockSeconds?: number };
  /** Per client address and endpoint. Sign-in counts failures; the others count every request. */
  address?: {
    /** Default: 100 failed sign-ins per 15 min, then 15 min. */
    signIn?: AddressLimitConfig | false;
    /** Default: 50 sign-ups per hour, then 1 h. */
    signUp?: AddressLimitConfig | false;
    /** Default: 20 reset-link requests per hour, then 1 h. */
    passwordResetToken?: AddressLimitConfig | false;
    /** Default: 100 email-exists checks per 15 min, then 15 min. */
    emailExists?: AddressLimitConfig | false;
    /** Default: 20 passwordless codes sent (created or resent) per hour, then 1 h. */
    passwordlessCode?: AddressLimitConfig | false;
  };
  /** Per email address or phone number (normalised), whoever asks: every request counts. */
  identifier?: {
    /** Passwordless codes sent to one email or phone number (created or resent). Default: 5 per 15 min, then 15 min. */
    passwordlessCode?: AddressLimitConfig | false;
  };
}

export type AddressEndpoint = "signIn" | "signUp" | "passwordResetToken" | "emailExists" | "passwordlessCode";
/** Limits keyed by the email or phone number a request names, rather than by who sends it. */
export type IdentifierEndpoint = "passwordlessCode";

export interface NormalisedLimits {
  trustProxy: (address: string, hop: number) => boolean;
  /** True unless trustProxy was configured: then X-Forwarded-For is expected and not warned about. */
  proxyUntrusted: boolean;
  account: LimitRule | undefined;
  secondFactor: LimitRule;
  address: Record<AddressEndpoint, LimitRule | undefined>;
  identifier: Record<IdentifierEndpoint, LimitRule | undefined>;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ADDRESS_DEFAULTS: Record<AddressEndpoint, Required<AddressLimitConfig>> = {
  signIn: { max: 100, windowSeconds: 900, lockSeconds: 900 },
  signUp: { max: 50, windowSeconds: 3600, lockSeconds: 3600 },
  passwordResetToken: { max: 20, windowSeconds: 3600, lockSeconds: 3600 },
  emailExists: { max: 100, windowSeconds: 900, lockSeconds: 900 },
  // Each request sends an email or an SMS: bounds SMS pumping and mail bombing from one client.
  passwordlessCode: { max: 20, windowSeconds: 3600, lockSeconds: 3600 },
};
// Whoever asks, one inbox or phone gets at most this many codes: with 5 inputs per code, at most
// 25 guesses per 15 min at one account's codes, and no flood of messages to one person.
const IDENTIFIER_DEFAULTS: Record<IdentifierEndpoint, Required<AddressLimitConfig>> = {
  passwordlessCode: { max: 5, windowSeconds: 900, lockSeconds: 900 },
};

function whole(value: unknown, fallback: number, field: string, min: number, max: number): number {
  const n = value ?? fallback;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) throw new ConfigError(`limits.${field} must be a whole number from ${min} to ${max}, got ${String(value)}`);
  return n;
}

function objectOrFalse<T>(value: T | false | undefined, field: string): T | false | undefined {
  if (value === undefined || value === false || (typeof value === "object" && value !== null)) return value;
  throw new ConfigError(`limits.${field} must be an object or false`);
}

/** Checks `limits` once, at init; throws a {@link ConfigError} that says what to change. */
export function normaliseLimitsConfig(input: LimitsConfig = {}): NormalisedLimits {
  if (typeof input !== "object" || input === null) throw new ConfigError("limits must be an object");
  const { trustProxy } = input;
  let trust: NormalisedLimits["trustProxy"];
  if (trustProxy === undefined) trust = () => false;
  else if (typeof trustProxy === "function") trust = trustProxy;
  else {
    const hops = whole(trustProxy, 0, "trustProxy", 0, 100);
    trust = (_address, hop) => hop < hops;
  }

  const accountInput = objectOrFalse(input.account, "account");
  const account: LimitRule | undefined =
    accountInput === false
      ? undefined
      : {
          max: whole(accountInput?.maxFailures, 10, "account.maxFailures", 1, 100),
          lockMs: whole(accountInput?.lockSeconds, 900, "account.lockSeconds", 1, 86_400 * 30) * 1000,
          maxLockMs: whole(accountInput?.maxLockSeconds, 86_400, "account.maxLockSeconds", 1, 86_400 * 365) * 1000,
          escalate: true,
          windowMs: Infinity,
          idleMs: Infinity,
          // NIST's bound: "no more than 100" consecutive failures; 0 would mean none, which is not allowed.
          hardMax: whole(accountInput?.maxConsecutiveFailures, 100, "account.maxConsecutiveFailures", 1, 100),
        };
  if (account && account.maxLockMs < account.lockMs) throw new ConfigError("limits.account.maxLockSeconds must be at least lockSeconds");
  if (account && account.hardMax < account.max) throw new ConfigError("limits.account.maxConsecutiveFailures must be at least maxFailures");

  const secondInput = input.secondFactor;
  if (secondInput !== undefined && (typeof secondInput !== "object" || secondInput === null)) throw new ConfigError("limits.secondFactor must be an object (it cannot be switched off)");
  const secondFactor = secondFactorRule(
    whole(secondInput?.maxFailures, 5, "secondFactor.maxFailures", 1, 100),
    whole(secondInput?.lockSeconds, 900, "secondFactor.lockSeconds", 1, 86_400 * 30) * 1000,
  );

  if (input.address !== undefined && (typeof input.address !== "object" || input.address === null)) throw new ConfigError("limits.address must be an object");
  const address = {} as Record<AddressEndpoint, LimitRule | undefined>;
  for (const endpoint of Object.keys(ADDRESS_DEFAULTS) as AddressEndpoint[]) {
    const given = objectOrFalse(input.address?.[endpoint], `address.${endpoint}`);
    const fallback = ADDRESS_DEFAULTS[endpoint];
    if (given === false) {
      address[endpoint] = undefined;
      continue;
    }
    const lockMs = whole(given?.lockSeconds, fallback.lockSeconds, `address.${endpoint}.lockSeconds`, 1, 86_400 * 30) * 1000;
    address[endpoint] = {
      max: whole(given?.max, fallback.max, `address.${endpoint}.max`, 1, 1_000_000),
      windowMs: whole(given?.windowSeconds, fallback.windowSeconds, `address.${endpoint}.windowSeconds`, 1, 86_400 * 30) * 1000,
      lockMs,
      maxLockMs: lockMs,
      escalate: false,
      idleMs: Infinity,
      hardMax: Infinity,
    };
  }
  if (input.identifier !== undefined && (typeof input.identifier !== "object" || input.identifier === null)) throw new ConfigError("limits.identifier must be an object");
  const identifier = {} as Record<IdentifierEndpoint, LimitRule | undefined>;
  for (const endpoint of Object.keys(IDENTIFIER_DEFAULTS) as IdentifierEndpoint[]) {
    const given = objectOrFalse(input.identifier?.[endpoint], `identifier.${endpoint}`);
    identifier[endpoint] = given === false ? undefined : windowRule(given, IDENTIFIER_DEFAULTS[endpoint], `identifier.${endpoint}`);
  }
  return { trustProxy: trust, proxyUntrusted: trustProxy === undefined, account, secondFactor, address, identifier };
}

/** At most `max` events per window, then a lock (not escalating): the shape of every per-request limit. */
function windowRule(given: AddressLimitConfig | undefined, fallback: Required<AddressLimitConfig>, field: string): LimitRule {
  const lockMs = whole(given?.lockSeconds, fallback.lockSeconds, `${field}.lockSeconds`, 1, 86_400 * 30) * 1000;
  return {
    max: whole(given?.max, fallback.max, `${field}.max`, 1, 1_000_000),
    windowMs: whole(given?.windowSeconds, fallback.windowSeconds, `${field}.windowSeconds`, 1, 86_400 * 30) * 1000,
    lockMs,
    maxLockMs: lockMs,
    escalate: false,
    idleMs: Infinity,
    hardMax: Infinity,
  };
}

/**
 * The second-factor rule with a given tolerance. As SuperTokens core: the run counts failures
 * within one cooldown of the latest, a lock lasts one cooldown after the last failure, and a
 * fresh budget follows it.
 */
export function secondFactorRule(max: number, lockMs: number): LimitRule {
  return { max, lockMs, maxLockMs: lockMs, escalate: false, windowMs: Infinity, idleMs: lockMs, hardMax: Infinity };
}

// One per process, on globalThis for the reason core/instance.ts gives.
const ACTIVE = Symbol.for("tessera.limits");
const holder = globalThis as unknown as { [ACTIVE]?: NormalisedLimits };

/** Sets the limits every recipe reads (`tessera.init` passes its `limits`; undefined restores the defaults). */
export function setActiveLimits(config?: LimitsConfig): void {
  holder[ACTIVE] = normaliseLimitsConfig(config);
}

export function getLimits(): NormalisedLimits {
  return (holder[ACTIVE] ??= normaliseLimitsConfig());
}

/**
 * The entries a second-factor attempt (TOTP, recovery code) counts under: the second-factor run
 * with `rule` (TOTP may bring its own tolerance), then the account's run across every factor.
 */
export function secondFactorEntries(userId: string, rule: LimitRule = getLimits().secondFactor): LimitEntry[] {
  const account = getLimits().account;
  return [{ key: limitKeys.secondFactor(userId), rule }, ...(account ? [{ key: limitKeys.account(userId), rule: account }] : [])];
}

/** Counter keys. User ids are global; an address is per endpoint, across tenants. */
export const limitKeys = {
  account: (userId: string) => `account:${userId}`,
  secondFactor: (userId: string) => `second-factor:${userId}`,
  address: (endpoint: AddressEndpoint, address: string) => `address:${endpoint}:${address}`,
  identifier: (endpoint: IdentifierEndpoint, identifier: string) => `identifier:${endpoint}:${identifier}`,
};

// ---- the rule over a counter ----

export type Verdict = { open: true; run: number } | { open: false; retryAfterMs: number };

function lockLength(rule: LimitRule, events: number): number {
  if (!rule.escalate) return rule.lockMs;
  return Math.min(rule.lockMs * 2 ** (events - rule.max), rule.maxLockMs);
}

/** What the counter means under the rule at `now`: locked (and for how long), or open with the run so far. */
export function evaluate(row: LimitCounterRow | null, rule: LimitRule, now: number): Verdict {
  if (row === null) return { open: true, run: 0 };
  if (row.failures >= rule.hardMax) return { open: false, retryAfterMs: rule.maxLockMs };
  if (row.failures >= rule.max) {
    const until = row.lastAt + lockLength(rule, row.failures);
    if (now < until) return { open: false, retryAfterMs: until - now };
    if (!rule.escalate) return { open: true, run: 0 };
  }
  if (now - row.firstAt >= rule.windowMs || now - row.lastAt >= rule.idleMs) return { open: true, run: 0 };
  return { open: true, run: row.failures };
}

export interface LimitEntry {
  key: string;
  rule: LimitRule;
}

/** Compare-and-set retries before a reservation gives up: contention this high on one key is itself a flood. */
const MAX_TRIES = 64;
const CONTENDED_RETRY_MS = 1000;

/** A granted reservation: enough to give it back as if it had not happened. */
export interface HeldEvent {
  key: string;
  at: number;
  /** The run's latest event before this one (undefined when this one started the run). */
  previousLastAt: number | undefined;
}

async function reserveOne(store: LimitStore, { key, rule }: LimitEntry, now: number): Promise<{ ok: true; run: number; held: HeldEvent } | { ok: false; retryAfterMs: number }> {
  for (let i = 0; i < MAX_TRIES; i++) {
    const row = await store.get(key);
    const verdict = evaluate(row, rule, now);
    if (!verdict.open) return { ok: false, retryAfterMs: verdict.retryAfterMs };
    const fresh = verdict.run === 0 || row === null;
    const next = fresh ? { failures: 1, firstAt: now, lastAt: now } : { failures: verdict.run + 1, firstAt: row.firstAt, lastAt: now };
    if (await store.put(key, row?.version ?? null, next)) return { ok: true, run: next.failures, held: { key, at: now, previousLastAt: fresh ? undefined : row.lastAt } };
  }
  return { ok: false, retryAfterMs: CONTENDED_RETRY_MS };
}

/**
 * Gives one reservation back (the attempt turned out not to count): the run goes down by one,
 * and if nothing happened since, its latest event is the one before again, so a lock that
 * reservation re-armed is not left standing (a right password just after a lock ends).
 */
async function releaseOne(store: LimitStore, held: HeldEvent): Promise<void> {
  for (let i = 0; i < MAX_TRIES; i++) {
    const row = await store.get(held.key);
    if (row === null || row.failures <= 0) return;
    const lastAt = row.lastAt === held.at && held.previousLastAt !== undefined ? held.previousLastAt : row.lastAt;
    if (await store.put(held.key, row.version, { failures: row.failures - 1, firstAt: row.firstAt, lastAt })) return;
  }
}

export type Reservation = { status: "OK"; runs: number[]; held: HeldEvent[] } | { status: "LIMITED"; retryAfterMs: number };

/**
 * Reserves one event under every entry, in order. If one is locked, the reservations already
 * made are given back (a refused attempt is not counted anywhere) and the answer is LIMITED.
 * `runs[i]` is entry i's run including this event.
 */
export async function reserve(store: LimitStore, entries: readonly LimitEntry[], now: number): Promise<Reservation> {
  if (entries.length === 0) return { status: "OK", runs: [], held: [] };
  maybeSweep(store, now);
  const runs: number[] = [];
  const held: HeldEvent[] = [];
  for (const [i, entry] of entries.entries()) {
    const result = await reserveOne(store, entry, now);
    if (!result.ok) {
      await release(store, held);
      // The wait is the longest of every lock that applies, not just the first one met.
      const others = await lockedFor(store, entries.slice(i + 1), now);
      return { status: "LIMITED", retryAfterMs: Math.max(result.retryAfterMs, others ?? 0) };
    }
    runs.push(result.run);
    held.push(result.held);
  }
  return { status: "OK", runs, held };
}

/** Gives reservations back (the attempt succeeded, and success must not wipe the count, e.g. an address's). */
export async function release(store: LimitStore, held: readonly HeldEvent[]): Promise<void> {
  for (const event of held) await releaseOne(store, event);
}

/** Ends the runs: a success (or a password reset, or an admin) forgives the failures. */
export async function resetRuns(store: LimitStore, keys: readonly string[]): Promise<void> {
  for (const key of keys) await store.delete(key);
}

/** Whether any entry is locked now, without counting anything; the longest wait when so. */
export async function lockedFor(store: LimitStore, entries: readonly LimitEntry[], now: number): Promise<number | undefined> {
  let wait: number | undefined;
  for (const { key, rule } of entries) {
    const verdict = evaluate(await store.get(key), rule, now);
    if (!verdict.open) wait = Math.max(wait ?? 0, verdict.retryAfterMs);
  }
  return wait;
}

// Address (and identifier) counters are the ones that grow with traffic rather than with users: at
// most once an hour per process, those idle for a day (longer than any default window plus lock) are dropped.
let lastSweepAt = 0;
function maybeSweep(store: LimitStore, now: number): void {
  if (now - lastSweepAt < HOUR && now >= lastSweepAt) return;
  lastSweepAt = now;
  const rules = [...Object.values(getLimits().address), ...Object.values(getLimits().identifier)].filter((r): r is LimitRule => r !== undefined);
  const keep = Math.max(24 * HOUR, ...rules.map((r) => r.windowMs + r.lockMs));
  void store.deleteOlderThan(now - keep, "address:").catch(() => undefined);
  // Identifier counters grow with the addresses and numbers requests name, which a client chooses.
  void store.deleteOlderThan(now - keep, "identifier:").catch(() => undefined);
}

// ---- the client address ----

let warnedAboutProxy = false;

/** The IPv4 form of an IPv4-mapped IPv6 address, and a /64 for IPv6 (one subscriber gets a whole /64). */
export function addressBucket(address: string): string {
  const plain = address.replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain);
  if (mapped?.[1]) return mapped[1];
  if (isIP(plain) !== 6) return plain;
  const [head = "", tail] = plain.toLowerCase().split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  // An embedded IPv4 tail takes two groups; the /64 never reaches it unless the address has almost no zeros.
  const width = (parts: string[]) => parts.reduce((n, p) => n + (p.includes(".") ? 2 : 1), 0);
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - width(left) - width(right)).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/**
 * The client address the per-address limits count, or undefined when the adapter gives none
 * (then those limits are skipped rather than lumping every client together). Walks from the
 * socket through `X-Forwarded-For` (rightmost first) while the hop is trusted, as proxy-addr does.
 */
export function clientAddress(req: HttpRequest, limits: NormalisedLimits = getLimits()): string | undefined {
  const socket = req.remoteAddress;
  if (socket === undefined || socket === "") return undefined;
  const forwarded = req.getHeader("x-forwarded-for");
  if (forwarded !== undefined && limits.proxyUntrusted && !warnedAboutProxy) {
    warnedAboutProxy = true;
    console.warn(
      "[tessera] Requests carry X-Forwarded-For but limits.trustProxy is not set: the per-address limits count the socket's address, so behind a reverse proxy every client counts as the proxy. Set limits.trustProxy to the number of proxies in front of the app.",
    );
  }
  const hops = [socket, ...(forwarded ?? "").split(",").map((h) => h.trim()).filter((h) => h !== "").reverse()];
  let i = 0;
  while (i + 1 < hops.length && limits.trustProxy(hops[i] as string, i)) i++;
  // A trusted proxy writes a real address; anything else is treated as the last hop we could trust.
  while (i > 0 && isIP((hops[i] as string).replace(/%.*$/, "")) === 0) i--;
  return addressBucket(hops[i] as string);
}

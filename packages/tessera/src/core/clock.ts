/** Where tessera reads the time. Tests inject a fixed clock and advance it instead of sleeping. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to: for tests. */
export function fixedClock(startMs: number): Clock & { advance(ms: number): void; set(ms: number): void } {
  let current = startMs;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
    set: (ms) => {
      current = ms;
    },
  };
}

// On globalThis for the same reason as the instance registry (core/instance.ts): one per process.
const ACTIVE = Symbol.for("tessera.clock");
const holder = globalThis as unknown as { [ACTIVE]?: Clock };

/** Sets the clock that {@link now} reads; `tessera.init` calls it, tests pass a fixed clock there. */
export function setActiveClock(clock: Clock): void {
  holder[ACTIVE] = clock;
}

/** The current time in ms from the active clock. Every time-dependent rule in tessera reads this. */
export function now(): number {
  return (holder[ACTIVE] ?? systemClock).now();
}

/**
 * A bound on how many pieces of async work run at once; the rest wait in arrival order.
 * Used where each piece holds a scarce resource for its whole run (argon2: 19 MiB and a libuv
 * thread), so that running more at once only costs memory.
 */
export interface Limiter {
  run<T>(work: () => Promise<T>): Promise<T>;
  /** How many pieces run now (for tests and diagnostics). */
  readonly running: number;
}

export function createLimiter(slots: number): Limiter {
  if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`a limiter needs at least one slot, got ${slots}`);
  let running = 0;
  const waiting: Array<() => void> = [];
  const release = (): void => {
    // Hand the slot straight to the next in line, so that nothing can slip in between.
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return {
    get running() {
      return running;
    },
    async run<T>(work: () => Promise<T>): Promise<T> {
      if (running < slots) running++;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await work();
      } finally {
        release();
      }
    },
  };
}

/**
 * Values that are ready now or later, for the verify path.
 *
 * Verifying a session usually needs no I/O (the token is in the verified-token cache, the claims
 * are in its payload), and then a route guarded by `verifySession` should pay no promise: each
 * async function and await on the way costs an allocation and a turn of the microtask queue, on
 * every request. So the functions of that path return a {@link MaybePromise}: the value itself
 * when they could answer at once, a promise when they had to wait (a database read, a refetched
 * claim, an app's own async override). Callers that can wait simply `await` either.
 */

/** A value, or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/** True for a promise or any other thenable (what `await` would wait for). */
export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/** `next(value)`: now when the value is ready, after the promise resolves otherwise. */
export function andThen<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return isPromiseLike(value) ? value.then(next) : next(value);
}

/**
 * What a framework's guard does with a verify: `onValue` with its answer, `onError` with what it
 * threw or rejected with; at once when it answered at once, else when its promise settles. The
 * promise, when there is one, is returned, so that a framework that waits for it (Express 5) sees
 * an error thrown by what `onValue` runs.
 */
export function settle<T>(run: () => MaybePromise<T>, onValue: (value: T) => void, onError: (error: unknown) => void | Promise<void>): void | Promise<void> {
  let result: MaybePromise<T>;
  try {
    result = run();
  } catch (error) {
    return onError(error);
  }
  if (isPromiseLike(result)) return Promise.resolve(result).then(onValue, onError);
  onValue(result);
}

const NOW = Symbol("tessera.now");
type WithNow<I, O> = ((input: I) => Promise<O>) & { [NOW]?: (input: I) => MaybePromise<O> };

/**
 * A recipe's default async function (the public, overridable shape) made from a function that
 * answers at once when it can. The request path calls the latter through {@link callNow}.
 */
export function asyncWithNow<I, O>(now: (input: I) => MaybePromise<O>): (input: I) => Promise<O> {
  const fn: WithNow<I, O> = async (input: I) => now(input);
  fn[NOW] = now;
  return fn;
}

/** True while `fn` is a default made by {@link asyncWithNow} (not an app's own function). */
export function hasNow(fn: unknown): boolean {
  return typeof fn === "function" && (fn as WithNow<unknown, unknown>)[NOW] !== undefined;
}

/**
 * Calls a recipe function as a method of `receiver` (an app's override may use `this`). While it
 * is still the default one (kept by an override's `...originalImplementation`), its
 * answer-at-once twin runs, with the same logic and the same errors, only possibly without a
 * promise. An app's own function has no twin and runs as it is. A synchronous throw of the twin
 * reaches the caller as a throw: callers that are not async functions catch both.
 */
export function callNow<I, O>(receiver: object, fn: (input: I) => Promise<O>, input: I): MaybePromise<O> {
  const now = (fn as WithNow<I, O>)[NOW];
  return now !== undefined ? now(input) : fn.call(receiver, input);
}

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

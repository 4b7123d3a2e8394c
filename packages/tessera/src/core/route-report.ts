/**
 * Route metadata for tools. A framework adapter's `verifySession(options)` middleware carries its
 * options under {@link VERIFY_SESSION_OPTIONS}, so that the route-policy report can tell which
 * routes it guards and with which validators, without running a request.
 *
 * `Symbol.for`: the ESM and CommonJS builds of tessera (and two copies in one app) share it.
 */
export const VERIFY_SESSION_OPTIONS: unique symbol = Symbol.for("tessera.verifySessionOptions");

/** Marks `handler` as a verifySession middleware built with `options` (a non-enumerable property); returns it. */
export function markVerifySession<T extends object>(handler: T, options: object | undefined): T {
  Object.defineProperty(handler, VERIFY_SESSION_OPTIONS, { value: options ?? {}, enumerable: false });
  return handler;
}

/** The options a verifySession middleware was built with, or undefined when `handler` is not one. */
export function readVerifySessionOptions(handler: unknown): object | undefined {
  if ((typeof handler !== "function" && typeof handler !== "object") || handler === null) return undefined;
  const options = (handler as { [VERIFY_SESSION_OPTIONS]?: unknown })[VERIFY_SESSION_OPTIONS];
  return typeof options === "object" && options !== null ? options : undefined;
}

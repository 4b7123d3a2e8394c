import { ConfigError } from "./errors.js";

/**
 * The `override` option of every recipe's init: each function takes the original implementation
 * and returns the one to use (the seed overrides with arrow functions and object spread).
 */
export interface RecipeOverride<Functions, APIs> {
  functions?: (originalImplementation: Functions) => Functions;
  apis?: (originalImplementation: APIs) => APIs;
}

/**
 * Composes a recipe's default implementation with the app's override, once, at init.
 *
 * Defaults reach their siblings through `self()`, a late-bound reference to the *final* object,
 * never through `this`: so overrides written with arrow functions and object spread (as the seed
 * does: `{ ...originalImplementation, getGlobalClaimValidators: (input) => ... }`) work, and a
 * default that calls an overridden sibling reaches the override.
 */
export function composeOverride<T extends object>(
  makeDefault: (self: () => T) => T,
  override?: (originalImplementation: T) => T,
): T {
  if (override !== undefined && typeof override !== "function") {
    throw new ConfigError("override.functions and override.apis must be functions: (originalImplementation) => ({ ...originalImplementation, ... })");
  }
  let final: T | undefined;
  const self = (): T => {
    if (final === undefined) throw new Error("A recipe function was called while its override was being built");
    return final;
  };
  const original = Object.freeze(makeDefault(self));
  final = override ? override(original) : original;
  return final;
}

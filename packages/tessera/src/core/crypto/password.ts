import type { Algorithm, Options } from "@node-rs/argon2";
import { availableParallelism } from "node:os";
import { BadInputError, ConfigError } from "../errors.js";
import { createLimiter } from "../limiter.js";

// `Algorithm` is a const enum in the package's types and an empty object at run time, so the
// value is spelled out: 2 is Argon2id, OWASP's first choice for password storage.
const ARGON2ID = 2 as Algorithm;
// Version 0x13, the current one (the package's `Version.V0x13`).
const VERSION_0X13 = 1;

/**
 * OWASP Password Storage Cheat Sheet, argon2id: 19 MiB of memory, 2 passes, 1 lane.
 * About 10 ms a hash here; raise memory first if the hardware allows.
 */
const PARAMETERS = {
  algorithm: ARGON2ID,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
} as const satisfies Options;

/**
 * At most one argon2 computation per core runs at a time; the others wait in order. Each holds
 * 19 MiB and a libuv thread for ~10 ms, and the work is CPU-bound: more in flight than cores adds
 * memory, and takes the thread pool from file and DNS work, without adding throughput. Measured on
 * one core (bench/experiments.mjs C): 1 in flight 84 hashes/s at 81 MB peak RSS, 4 in flight
 * 84 hashes/s at 139 MB. `availableParallelism` follows the process's CPU affinity.
 */
const argon2Slots = createLimiter(availableParallelism());

/**
 * The argon2 binding (a native addon, ~4 MB resident), loaded by the first hash or check: a
 * process that only verifies sessions never loads it.
 */
type Argon2 = typeof import("@node-rs/argon2");
let argon2: Promise<Argon2> | undefined;
const loadArgon2 = (): Promise<Argon2> => (argon2 ??= import("@node-rs/argon2"));

/**
 * NIST SP 800-63B §5.1.1.2: passwords are Unicode-normalised (NFKC) before hashing, so the same
 * password typed on keyboards or systems that produce different code points (composed "ä" vs
 * "a" + combining diaeresis) still matches. The whole password is hashed, never truncated:
 * argon2 takes input of any length (unlike bcrypt, which ignores all after 72 bytes).
 */
function normalise(password: string): string {
  return password.normalize("NFKC");
}

// A lone surrogate is not text: encoded for hashing it becomes U+FFFD, so every lone surrogate
// would hash like every other. The policy refuses such a password, and sign-in never matches one.
const LONE_SURROGATE = /\p{Cs}/u;

/** False for a string with a lone surrogate, which cannot be encoded as UTF-8 without loss. */
export function isWellFormedText(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

/** Hashes a password with argon2id; the result is a PHC string that carries salt and parameters. */
export async function hashPassword(password: string): Promise<string> {
  if (typeof password !== "string") {
    throw new ConfigError("hashPassword expects the password as a string");
  }
  // Every path that stores a password refuses this too, the policy first; one that skips the policy
  // (a module call, applyPasswordPolicy: false) must not store a password no sign-in can match.
  if (!isWellFormedText(password)) throw new BadInputError("The password contains a character that is not valid text");
  const input = normalise(password);
  const { hash } = await loadArgon2();
  return argon2Slots.run(() => hash(input, PARAMETERS));
}

/**
 * Checks a password against a stored hash. Returns false, never throws, for a wrong password,
 * a non-string password or a hash that cannot be parsed; the comparison itself is the
 * library's, done in constant time.
 */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  if (typeof storedHash !== "string" || typeof password !== "string" || !isWellFormedText(password)) return false;
  try {
    const input = normalise(password);
    const { verify } = await loadArgon2();
    return await argon2Slots.run(() => verify(storedHash, input));
  } catch {
    return false;
  }
}

/**
 * True if a stored hash was made with other parameters than the current ones (or cannot be
 * parsed), so the caller should rehash the password after a successful sign-in.
 */
export async function needsRehash(storedHash: string): Promise<boolean> {
  const { parseOptions } = await loadArgon2();
  try {
    const used = parseOptions(storedHash);
    return (
      used.algorithm !== PARAMETERS.algorithm ||
      used.version !== VERSION_0X13 ||
      used.memoryCost !== PARAMETERS.memoryCost ||
      used.timeCost !== PARAMETERS.timeCost ||
      used.parallelism !== PARAMETERS.parallelism ||
      used.outputLen !== PARAMETERS.outputLen
    );
  } catch {
    return true;
  }
}

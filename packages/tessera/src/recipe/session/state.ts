/** What the session recipe's functions share: config, storage, keys, and what other recipes registered. */
import type { Storage } from "../../core/storage.js";
import type { SessionClaim, SessionClaimValidator } from "./claims/types.js";
import type { KeyRing } from "./keys.js";
import type { NormalisedSessionConfig } from "./types.js";

export interface SessionState {
  config: NormalisedSessionConfig;
  storage: Storage;
  keys: KeyRing;
  claimsAddedByOtherRecipes: SessionClaim<unknown>[];
  claimValidatorsAddedByOtherRecipes: SessionClaimValidator[];
}

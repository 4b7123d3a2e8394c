/**
 * What must follow from events in a user's life, whichever recipe caused them. Kept in core, over
 * the storage port only, so that a factor recipe reports "this user's credentials changed" without
 * importing the recipe that cares (multifactorauth's trusted devices), and so that the effect
 * holds whether or not that recipe is in the running instance: a device remembered under old
 * credentials must never come back when trusted devices are switched on again later.
 */
import type { Storage } from "./storage.js";

/**
 * A password was set or reset, a TOTP device was verified or removed, recovery codes were
 * replaced or removed: every remembered device of the user is forgotten, in every tenant, since
 * each was trusted under the credentials that just changed.
 */
export async function credentialsChanged(storage: Storage, userId: string): Promise<void> {
  await storage.trustedDevices.deleteForUser(userId);
}

/**
 * The user was signed out everywhere (`revokeAllSessionsForUser`), in one tenant or in all when
 * `tenantId` is undefined: remembered devices there are forgotten too, or the next sign-in on a
 * device the user meant to sign out would skip the second factor.
 */
export async function signedOutEverywhere(storage: Storage, userId: string, tenantId: string | undefined): Promise<void> {
  await storage.trustedDevices.deleteForUser(userId, tenantId);
}

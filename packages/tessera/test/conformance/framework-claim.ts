/**
 * The claim the framework conformance suite guards routes with: the seed's `SecondFactorClaim`
 * (shared/seed/samples/second-factor-claim.ts), key "2fa-completed", whose fetched value is false.
 */
import { BooleanClaim } from "../../src/recipe/session/claims/index.js";

export const SecondFactorClaim = new BooleanClaim({ key: "2fa-completed", fetchValue: () => false });

/** `tessera/recipe/session/framework/hapi`: `verifySession` for Hapi, a `pre` method (contract path). */
export { verifySession } from "../../../framework/hapi/index.js";

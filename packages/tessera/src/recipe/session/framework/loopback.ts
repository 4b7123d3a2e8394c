/** `tessera/recipe/session/framework/loopback`: `verifySession(options)` as a LoopBack interceptor (contract path). */
export { verifySession } from "../../../framework/loopback/index.js";

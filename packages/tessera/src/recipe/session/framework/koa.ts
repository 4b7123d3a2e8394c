/** `tessera/recipe/session/framework/koa`: `verifySession` for Koa, a middleware (contract path). */
export { verifySession } from "../../../framework/koa/index.js";

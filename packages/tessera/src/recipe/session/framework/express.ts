/** `tessera/recipe/session/framework/express`: `verifySession` for Express (contract path). */
export { verifySession } from "../../../framework/express/index.js";

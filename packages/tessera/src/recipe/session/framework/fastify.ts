/** `tessera/recipe/session/framework/fastify`: `verifySession` for Fastify, a `preHandler` (contract path). */
export { verifySession } from "../../../framework/fastify/index.js";

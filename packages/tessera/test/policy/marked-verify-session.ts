/**
 * The Express adapter's verifySession, which marks each middleware with its options for the
 * route-policy report (core/route-report.ts).
 */
export { verifySession } from "../../src/framework/express/index.js";

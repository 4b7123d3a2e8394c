/** `tessera/recipe/session/framework/awsLambda`: `verifySession(handler, options)` for AWS Lambda (contract path). */
export { verifySession } from "../../../framework/awsLambda/index.js";

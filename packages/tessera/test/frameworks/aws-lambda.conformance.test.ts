/**
 * The framework conformance suite on AWS Lambda: the conformance routes as one Lambda handler
 * (`middleware(router)` with `verifySession(handler, options)` routes), invoked with real event
 * objects by a loopback HTTP server standing in for API Gateway (see aws-lambda.app.ts), once
 * for an HTTP API (payload v2, `cookies[]`) and once for a REST API (payload v1, multiValueHeaders).
 */
import { describe } from "vitest";
import { describeFrameworkSuite } from "../conformance/framework-suite.js";
import { buildLambdaApp, startLambdaBridge } from "./aws-lambda.app.js";

describe("API Gateway HTTP API (payload v2)", () => {
  describeFrameworkSuite("awsLambda", async ({ SecondFactorClaim }) => startLambdaBridge("v2", buildLambdaApp(SecondFactorClaim)));
});

describe("API Gateway REST API (payload v1)", () => {
  describeFrameworkSuite("awsLambda", async ({ SecondFactorClaim }) => startLambdaBridge("v1", buildLambdaApp(SecondFactorClaim)));
});

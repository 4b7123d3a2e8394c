/**
 * The framework conformance suite on LoopBack 4: a real RestApplication listening on 127.0.0.1,
 * `app.middleware(middleware)`, and a controller in the seed sample's pattern whose routes are
 * guarded with `@intercept(verifySession(...))` (loopback.app.ts).
 */
import { afterAll } from "vitest";
import { middleware } from "../../src/framework/loopback/index.js";
import { verifySession } from "../../src/recipe/session/framework/loopback.js";
import Session from "../../src/recipe/session/index.js";
import { describeFrameworkSuite } from "../conformance/framework-suite.js";
import type * as LoopbackApp from "./loopback.app.js";
import { loadDecorated } from "./loopback.transpile.js";

const fixture = loadDecorated<typeof LoopbackApp>("loopback.app.ts");
afterAll(() => fixture.remove());

describeFrameworkSuite("loopback", ({ SecondFactorClaim }) => fixture.module.startLoopbackApp({ middleware, verifySession, Session, SecondFactorClaim }));

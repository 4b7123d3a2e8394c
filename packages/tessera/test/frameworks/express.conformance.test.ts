/** The framework conformance suite on Express: `middleware()`, the app's routes, `errorHandler()`. */
import express from "express";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { errorHandler, middleware, type SessionRequest } from "../../src/framework/express/index.js";
import { verifySession } from "../../src/recipe/session/framework/express.js";
import Session from "../../src/recipe/session/index.js";
import { describeFrameworkSuite } from "../conformance/framework-suite.js";

describeFrameworkSuite("express", async ({ SecondFactorClaim }) => {
  const app = express();
  app.use(express.json());
  app.use(middleware());
  app.post("/login", async (req, res) => {
    const session = await Session.createNewSession(req, res, "public", String((req.body as { userId: unknown }).userId));
    res.json({ handle: session.getHandle() });
  });
  app.post(
    "/like-comment",
    verifySession({ overrideGlobalClaimValidators: (globalValidators) => [...globalValidators, SecondFactorClaim.validators.hasValue(true)] }),
    (req: SessionRequest, res) => {
      res.json({ userId: req.session!.getUserId() });
    },
  );
  app.post("/complete", verifySession(), async (req: SessionRequest, res) => {
    await req.session!.setClaimValue(SecondFactorClaim, true);
    res.json({});
  });
  app.get("/optional", verifySession({ sessionRequired: false }), (req: SessionRequest, res) => {
    res.json({ userId: req.session?.getUserId() ?? null });
  });
  app.get("/protected", verifySession(), (req: SessionRequest, res) => {
    res.json({ userId: req.session!.getUserId() });
  });
  app.use(errorHandler());
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
});

/**
 * Runs the seed's samples as a real server, with the samples unchanged.
 *
 * The samples are compiled by tsc to CommonJS inside a seed project (see seed-project.ts) and
 * loaded with Node's own `require` (createRequire rooted in that project), so they and this harness
 * share ONE copy of tessera: the built dist/cjs that the project's node_modules resolves. Nothing
 * here imports tessera through vitest.
 *
 * The seed shows fragments of an app, not a whole one; this harness stands in for the rest of it:
 *
 * - The recipe: global-validators.ts calls `Session.init({...})` and drops the factory it returns
 *   (in the seed, that call sits inside `recipeList`). The default export of tessera/recipe/session
 *   is a plain mutable object, so while the sample loads, `Session.init` is replaced by a wrapper
 *   that calls the real one and records the factory; then the harness calls
 *   `tessera.init({ framework: "express", appInfo, database: "sqlite::memory:", recipeList: [factory] })`.
 *
 * - The app: express.ts does `let app = express()` and never exports it. While the sample loads,
 *   the `require.cache` entry of the `express` module the sample resolves has its `exports`
 *   swapped for a wrapper function (with express's own statics copied on); the wrapper creates
 *   the real app, records it, mounts tessera's `middleware()` first (what the seed's app setup does
 *   before its routes), and hands it to the sample. The original exports are put back right after.
 *
 * - The handler body: the sample's `/like-comment` handler is `//....` and never answers. While the
 *   sample loads, `app.post` is wrapped so the LAST handler the sample registers is run as is and
 *   then, if it sent nothing (it does not), the harness answers 200 `{ reached, userId }`. So a 200
 *   means: verifySession let the request through to the sample's own handler, with `req.session`
 *   set. That is deterministic, with no client timeouts to guess.
 *
 * After loading, the harness adds its own routes (sign-in, the claim update, a second guarded
 * route), then tessera's `errorHandler()`, and listens on 127.0.0.1:0.
 */
import type { Express, NextFunction, Request, RequestHandler, Response } from "express";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { join } from "node:path";
import type TesseraDefault from "tessera";
import type * as SessionModule from "tessera/recipe/session";
import type * as ClaimsModule from "tessera/recipe/session/claims";
import type * as ExpressFramework from "tessera/framework/express";
import type * as SessionExpress from "tessera/recipe/session/framework/express";

type RecipeFactory = ReturnType<typeof SessionModule.default.init>;
type SessionReq = Request & { session?: SessionModule.SessionContainer };

export interface SeedServer {
  url: string;
  /** tessera/recipe/session as the samples see it (same module instance). */
  Session: typeof SessionModule.default;
  /** The claim object exported by the compiled second-factor-claim.ts. */
  SecondFactorClaim: InstanceType<typeof ClaimsModule.BooleanClaim>;
  /** The factories global-validators.ts's Session.init call returned (expected: one). */
  recordedFactories: RecipeFactory[];
  /** Paths the sample registered with app.post. */
  sampleRoutes: string[];
  /** Each request that reached a sample's own handler: its path. */
  reached: string[];
  close(): Promise<void>;
}

/**
 * Loads the compiled samples from `outDir` (CommonJS output of tsc for global-validators.ts,
 * second-factor-claim.ts, express.ts) and serves them.
 */
export async function startSeedServer(outDir: string): Promise<SeedServer> {
  const load = createRequire(join(outDir, "harness.js"));
  const tessera = (load("tessera") as { default: typeof TesseraDefault }).default;
  const Session = (load("tessera/recipe/session") as typeof SessionModule).default;
  const { middleware, errorHandler } = load("tessera/framework/express") as typeof ExpressFramework;
  const { verifySession } = load("tessera/recipe/session/framework/express") as typeof SessionExpress;

  // 1. The recipe: record what the sample's Session.init returns.
  const recordedFactories: RecipeFactory[] = [];
  const realInit = Session.init;
  Session.init = (config) => {
    const factory = realInit(config);
    recordedFactories.push(factory);
    return factory;
  };
  try {
    load(join(outDir, "global-validators.js"));
  } finally {
    Session.init = realInit;
  }
  if (recordedFactories.length !== 1) throw new Error(`global-validators.ts called Session.init ${recordedFactories.length} times; expected once`);

  tessera.init({
    framework: "express",
    appInfo: { appName: "Seed", apiDomain: "http://127.0.0.1", websiteDomain: "http://127.0.0.1" },
    database: "sqlite::memory:",
    recipeList: [recordedFactories[0]!],
  });

  // 2. The app: capture the instance express.ts creates; complete its handler's response.
  const sampleRoutes: string[] = [];
  const reached: string[] = [];
  const expressPath = createRequire(join(outDir, "express.js")).resolve("express");
  load(expressPath);
  const cached = load.cache[expressPath];
  if (!cached) throw new Error(`express is not in require.cache at ${expressPath}`);
  const realExpress = cached.exports as typeof import("express");
  let app: Express | undefined;
  let appPost: Express["post"] | undefined;
  const capturing = Object.assign(function express(this: unknown) {
    const created = realExpress();
    created.use(middleware());
    const realPost = (appPost = created.post);
    const hookedPost = function (this: Express, path: string, ...handlers: RequestHandler[]) {
      sampleRoutes.push(path);
      const own = handlers.pop()!;
      const completing = async (req: Request, res: Response, next: NextFunction) => {
        await own(req, res, next);
        reached.push(req.path);
        if (!res.headersSent) res.status(200).json({ reached: req.path, userId: (req as SessionReq).session?.getUserId() });
      };
      return (realPost as (...args: unknown[]) => Express).apply(this, [path, ...handlers, completing]);
    };
    created.post = hookedPost as unknown as Express["post"];
    app = created;
    return created;
  }, realExpress);
  cached.exports = capturing;
  try {
    load(join(outDir, "express.js"));
  } finally {
    cached.exports = realExpress;
  }
  if (!app) throw new Error("express.ts did not call express()");
  const captured: Express = app;
  captured.post = appPost!; // express's own method again, for the harness's routes below.

  const { SecondFactorClaim } = load(join(outDir, "second-factor-claim.js")) as { SecondFactorClaim: InstanceType<typeof ClaimsModule.BooleanClaim> };

  // 3. The harness's own routes: what the seed's earlier steps (first and second factor) provide.
  let users = 0;
  captured.post("/login", async (req, res) => {
    const session = await Session.createNewSession(req, res, "public", `seed-user-${++users}`);
    res.json({ userId: session.getUserId(), sessionHandle: session.getHandle() });
  });
  // The second factor's completion: a session is required, but not yet the claim.
  captured.post("/complete", verifySession({ overrideGlobalClaimValidators: () => [] }), async (req: SessionReq, res) => {
    await req.session!.setClaimValue(SecondFactorClaim, true);
    res.json({ ok: true });
  });
  // Any other route of the app, guarded by plain verifySession(): the global validators apply.
  captured.post("/other", verifySession(), (req: SessionReq, res) => {
    res.json({ other: true, userId: req.session!.getUserId() });
  });
  captured.use(errorHandler());
  captured.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ message: "escaped tessera", error: String(error) });
  });

  const server: Server = await new Promise((resolve, reject) => {
    const s = captured.listen(0, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    Session,
    SecondFactorClaim,
    recordedFactories,
    sampleRoutes,
    reached,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await tessera.reset();
    },
  };
}

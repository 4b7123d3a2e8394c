/**
 * One helper builds every test instance: tessera on real SQLite (`:memory:` unless told
 * otherwise), a fixed clock that tests advance instead of sleeping, and a real Express server
 * bound to loopback.
 */
import express, { type Express } from "express";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import tessera, { type TesseraConfig } from "../../src/index.js";
import { fixedClock } from "../../src/core/clock.js";
import Session from "../../src/recipe/session/index.js";
import type { SessionConfig } from "../../src/recipe/session/types.js";
import { errorHandler, middleware } from "../../src/framework/express/index.js";

/** 2005-03-18 01:58:29 UTC: the security reference's t0 (its TOTP fixtures are computed at this time). */
export const T0_MS = 1_111_111_109_000;

export interface TestApp {
  url: string;
  app: Express;
  clock: ReturnType<typeof fixedClock>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  session?: SessionConfig;
  recipeList?: TesseraConfig["recipeList"];
  database?: TesseraConfig["database"];
  appInfo?: Partial<TesseraConfig["appInfo"]>;
  /** Adds the app's own routes between the middleware and the error handler. */
  routes?: (app: Express) => void;
  startMs?: number;
  /** Tenants besides "public" (default: "acme", "other", "tenant-b" and "tenant-c", which the multi-tenant tests use). */
  tenants?: string[];
  limits?: TesseraConfig["limits"];
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const clock = fixedClock(options.startMs ?? T0_MS);
  tessera.init({
    framework: "express",
    appInfo: { appName: "Test", apiDomain: "http://127.0.0.1", websiteDomain: "http://127.0.0.1", ...options.appInfo },
    database: options.database ?? "sqlite::memory:",
    recipeList: options.recipeList ?? [Session.init(options.session)],
    clock,
    tenants: options.tenants ?? ["acme", "other", "tenant-b", "tenant-c"],
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const app = express();
  app.use(middleware());
  options.routes?.(app);
  app.use(errorHandler());
  // The app's own last-resort handler: shows what escaped tessera, so tests can see a 500 was ours.
  app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ message: "internal error", escaped: String(error) });
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    clock,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await tessera.reset();
    },
  };
}

/**
 * A small HTTP client with a cookie jar, as a browser or a mobile app would behave. It keeps
 * cookies by name and path (honouring expiry), and in header mode keeps `st-access-token` and
 * `st-refresh-token` from responses and sends them as `Authorization: Bearer`.
 */
export class Client {
  cookies = new Map<string, { value: string; path: string }>();
  accessToken: string | undefined;
  refreshToken: string | undefined;
  antiCsrf: string | undefined;
  frontToken: string | undefined;

  constructor(
    readonly baseUrl: string,
    readonly mode: "cookie" | "header" = "cookie",
  ) {}

  async request(method: string, path: string, init: { body?: unknown; headers?: Record<string, string>; useRefreshToken?: boolean } = {}) {
    const headers: Record<string, string> = { "st-auth-mode": this.mode, rid: "anti-csrf", ...init.headers };
    if (init.body !== undefined) headers["content-type"] = "application/json";
    const cookie = [...this.cookies.entries()].filter(([, c]) => path.startsWith(c.path)).map(([name, c]) => `${name.split("|")[0]}=${encodeURIComponent(c.value)}`);
    if (cookie.length > 0) headers.cookie = cookie.join("; ");
    const bearer = init.useRefreshToken ? this.refreshToken : this.accessToken;
    if (this.mode === "header" && bearer && !("authorization" in headers)) headers.authorization = `Bearer ${bearer}`;
    if (this.antiCsrf && !("anti-csrf" in headers)) headers["anti-csrf"] = this.antiCsrf;
    const response = await fetch(this.baseUrl + path, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    this.absorb(response);
    const text = await response.text();
    let body: unknown;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    return { status: response.status, body: body as Record<string, unknown> | undefined, headers: response.headers };
  }

  refresh() {
    return this.request("POST", "/auth/session/refresh", { headers: { rid: "session" }, useRefreshToken: true });
  }

  private absorb(response: Response) {
    for (const setCookie of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = setCookie.split(";").map((s) => s.trim());
      const name = pair.slice(0, pair.indexOf("="));
      const value = decodeURIComponent(pair.slice(pair.indexOf("=") + 1));
      const path = attributes.find((a) => a.toLowerCase().startsWith("path="))?.slice(5) ?? "/";
      const expires = attributes.find((a) => a.toLowerCase().startsWith("expires="))?.slice(8);
      const key = `${name}|${path}`;
      if (value === "" || (expires && new Date(expires).getTime() <= 0)) this.cookies.delete(key);
      else this.cookies.set(key, { value, path });
    }
    const access = response.headers.get("st-access-token");
    const refresh = response.headers.get("st-refresh-token");
    if (access !== null) this.accessToken = access === "" ? undefined : access;
    if (refresh !== null) this.refreshToken = refresh === "" ? undefined : refresh;
    const anti = response.headers.get("anti-csrf");
    if (anti !== null) this.antiCsrf = anti;
    const front = response.headers.get("front-token");
    if (front !== null) this.frontToken = front === "remove" ? undefined : front;
  }

  cookie(name: string): string | undefined {
    for (const [key, c] of this.cookies) if (key.startsWith(`${name}|`)) return c.value;
    return undefined;
  }

  /** The access-token payload as the frontend sees it (from the front-token). */
  frontPayload(): Record<string, unknown> | undefined {
    if (!this.frontToken) return undefined;
    return (JSON.parse(Buffer.from(this.frontToken, "base64").toString("utf8")) as { up: Record<string, unknown> }).up;
  }
}

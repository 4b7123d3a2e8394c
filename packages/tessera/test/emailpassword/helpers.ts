/**
 * The emailpassword test instance: startTestApp with Session and EmailPassword on a SQLite
 * `:memory:` database whose driver the test keeps (to count rows), a mailer that records what it
 * is asked to send, and a session-protected route.
 */
import type { SessionRequest } from "../../src/framework/express/index.js";
import type { RecipeFactory } from "../../src/core/recipe.js";
import EmailPassword, { type EmailPasswordConfig, type PasswordResetEmailInput } from "../../src/recipe/emailpassword/index.js";
import { verifySession } from "../../src/recipe/session/framework/express.js";
import Session from "../../src/recipe/session/index.js";
import type { SqlDriver } from "../../src/storage/sql/driver.js";
import { migrate } from "../../src/storage/sql/migrations.js";
import { createSqlStorage } from "../../src/storage/sql/storage.js";
import { openSqliteDriver } from "../../src/storage/sqlite/index.js";
import { Client, startTestApp, type TestApp } from "../helpers/app.js";

export const PASSWORD = "correct horse battery staple";

export interface EmailPasswordTestApp extends TestApp {
  driver: SqlDriver;
  /** Every email the recipe asked to send, in order. */
  mails: PasswordResetEmailInput[];
  /** Resolves with the next email the recipe sends. */
  nextMail(): Promise<PasswordResetEmailInput>;
  count(table: "emailpassword_users" | "emailpassword_reset_tokens" | "sessions"): Promise<number>;
  client(mode?: "cookie" | "header"): Client;
}

export async function startEmailPasswordApp(
  options: { emailPassword?: EmailPasswordConfig; extraRecipes?: RecipeFactory[]; sendEmail?: (input: PasswordResetEmailInput) => Promise<void> } = {},
): Promise<EmailPasswordTestApp> {
  const driver = openSqliteDriver(":memory:");
  await migrate(driver);
  const mails: PasswordResetEmailInput[] = [];
  let waiting: ((input: PasswordResetEmailInput) => void)[] = [];
  const app = await startTestApp({
    database: createSqlStorage(driver),
    recipeList: [
      Session.init(),
      EmailPassword.init({
        emailDelivery: {
          sendEmail: async (input) => {
            mails.push(input);
            const resolve = waiting;
            waiting = [];
            for (const r of resolve) r(input);
            await options.sendEmail?.(input);
          },
        },
        ...options.emailPassword,
      }),
      ...(options.extraRecipes ?? []),
    ],
    routes: (a) => {
      // checkDatabase: a revoked session is refused at once, not when its access token expires.
      a.get("/t/session", verifySession({ checkDatabase: true, overrideGlobalClaimValidators: () => [] }), (req: SessionRequest, res) => {
        res.json({ userId: req.session!.getUserId(), tenantId: req.session!.getTenantId() });
      });
    },
  });
  return {
    ...app,
    driver,
    mails,
    nextMail: () => new Promise((resolve) => waiting.push(resolve)),
    count: async (table) => Number((await driver.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))?.n),
    client: (mode = "cookie") => new Client(app.url, mode),
  };
}

export function fields(values: Record<string, unknown>): { formFields: { id: string; value: unknown }[] } {
  return { formFields: Object.entries(values).map(([id, value]) => ({ id, value })) };
}

/** Signs up through the API and returns the new user's id. */
export async function signUp(app: EmailPasswordTestApp, email: string, password = PASSWORD, tenantPath = ""): Promise<string> {
  const response = await app.client().request("POST", `/auth${tenantPath}/signup`, { body: fields({ email, password }) });
  if (response.body?.status !== "OK") throw new Error(`sign-up failed: ${JSON.stringify(response.body)}`);
  return (response.body.user as { id: string }).id;
}

/** A request with a raw body, for malformed input. */
export async function rawPost(app: TestApp, path: string, body: string): Promise<{ status: number; text: string }> {
  const response = await fetch(app.url + path, { method: "POST", headers: { "content-type": "application/json" }, body });
  return { status: response.status, text: await response.text() };
}

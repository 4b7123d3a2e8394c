/**
 * The whole two-factor flow of the demo in a real browser (Debian's Chromium, driven by
 * playwright-core), against the real demo server, with the code computed as an authenticator
 * app would from the secret the setup screen shows.
 *
 * Skips when Chromium is missing, unless TESSERA_REQUIRE_BROWSER is set (CI sets it).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { findChromium, FLOW_MS, launchBrowser } from "./browser.js";
import { startDemo, totpLikeAnAuthenticator, type DemoServer } from "./demo-server.js";
import { readSecretFromSetupScreen } from "./pages.js";

const required = process.env.TESSERA_REQUIRE_BROWSER === "1";
const chromium = findChromium();
if (!chromium && required) throw new Error("TESSERA_REQUIRE_BROWSER is set but Chromium is not installed (apt-get install chromium)");
if (!chromium) console.warn("Chromium not found: the browser suite is skipped (install Debian's chromium to run it)");

const ACCESS_TOKEN_SECONDS = 4;

describe.skipIf(!chromium)("demo in a browser", { timeout: FLOW_MS }, () => {
  let demo: DemoServer;
  let browser: Browser;
  let page: Page;
  const refreshCalls: number[] = [];

  beforeAll(async () => {
    demo = await startDemo({ ACCESS_TOKEN_VALIDITY: String(ACCESS_TOKEN_SECONDS) });
    browser = (await launchBrowser())!;
    page = await (await browser.newContext()).newPage();
    page.on("response", (response) => {
      if (process.env.TESSERA_DEBUG_BROWSER) console.log("RESP", response.request().method(), response.url(), response.status(), JSON.stringify(response.headers()).slice(0, 400));
      if (response.url().endsWith("/auth/session/refresh")) refreshCalls.push(response.status());
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  async function likeComment(): Promise<{ status: string; text: string }> {
    const result = page.locator("#like-result");
    const before = Number((await result.getAttribute("data-count")) ?? "0");
    await page.click("#like-comment");
    await page.waitForFunction((n) => Number(document.querySelector("#like-result")?.getAttribute("data-count")) > n, before, { timeout: 15_000 });
    return { status: (await result.getAttribute("data-status")) ?? "", text: await result.innerText() };
  }

  async function enterCode(code: string) {
    await page.fill("input[name=totp]", code);
    await page.click("button[type=submit]");
  }

  const email = `person-${Date.now()}@example.com`;
  const password = "a long enough passphrase";
  let secret = "";

  it("signs up and is refused by /like-comment with the 2fa-completed claim", async () => {
    await page.goto(`${demo.url}/auth/?show=signup`);
    await page.fill("input[name=email]", email);
    await page.fill("input[name=password]", password);
    await page.click("button[type=submit]");
    // MFA is required, so the pre-built UI takes the new user to the second factor.
    await page.waitForURL(/\/auth\/mfa/, { timeout: 15_000 });
    await page.goto(`${demo.url}/`);
    await page.waitForSelector("#user-id");
    const refused = await likeComment();
    expect(refused.status).toBe("403");
    expect(refused.text).toContain('"id": "2fa-completed"');
    expect(refused.text).toContain('"actualValue": false');
  });

  it("enrols an authenticator from the setup screen and then likes the comment", async () => {
    await page.click("#setup-totp");
    secret = await readSecretFromSetupScreen(page);
    await enterCode(totpLikeAnAuthenticator(secret, Date.now()));
    await page.waitForURL((url) => url.pathname === "/", { timeout: 15_000 });
    await page.waitForSelector("#user-id");
    const liked = await likeComment();
    expect(liked.status).toBe("200");
    expect(liked.text).toContain("Comment liked");
  });

  it("keeps the session across a reload", async () => {
    await page.reload();
    await page.waitForSelector("#user-id");
    expect((await likeComment()).status).toBe("200");
  });

  it("refreshes transparently once the access token has expired", async () => {
    const before = refreshCalls.filter((s) => s === 200).length;
    await page.waitForTimeout((ACCESS_TOKEN_SECONDS + 1) * 1000);
    expect((await likeComment()).status).toBe("200");
    expect(refreshCalls.filter((s) => s === 200).length).toBeGreaterThan(before);
  });

  it("signs out, signs in again and is asked for the second factor again", async () => {
    await page.click("#sign-out");
    await page.waitForURL(/\/auth/, { timeout: 15_000 });
    await page.goto(`${demo.url}/auth`);
    await page.fill("input[name=email]", email);
    await page.fill("input[name=password]", password);
    await page.click("button[type=submit]");
    await page.waitForURL(/\/auth\/mfa\/totp/, { timeout: 15_000 });
    // A code of the next time step: the current step's code was used at enrolment (replay is refused).
    await page.waitForSelector("input[name=totp]");
    await enterCode(totpLikeAnAuthenticator(secret, Date.now() + 30_000));
    await page.waitForURL((url) => url.pathname === "/", { timeout: 15_000 });
    await page.waitForSelector("#user-id");
    expect((await likeComment()).status).toBe("200");
  });
});

/**
 * The demo's other second factors in a real browser (Debian's Chromium, driven by playwright-core)
 * against the real demo server (issue 7): the pre-built UI's emailed one-time code, our recovery-code
 * page, and a remembered browser skipping the second factor. Codes come from where a person would
 * read them: the demo's console (standing in for the mailbox) and the page that shows recovery codes.
 *
 * Skips when Chromium is missing, unless TESSERA_REQUIRE_BROWSER is set (CI sets it).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { findChromium, FLOW_MS, launchBrowser } from "./browser.js";
import { startDemo, totpLikeAnAuthenticator, type DemoServer } from "./demo-server.js";
import {
  emailedCodes,
  enterTOTP,
  likeComment,
  readSecretFromSetupScreen,
  signIn,
  signOut,
  signUp,
  waitForEmailedCode,
  waitForHome,
} from "./pages.js";

const required = process.env.TESSERA_REQUIRE_BROWSER === "1";
const chromium = findChromium();
if (!chromium && required) throw new Error("TESSERA_REQUIRE_BROWSER is set but Chromium is not installed (apt-get install chromium)");

const STEP_MS = 15_000;
const password = "a long enough passphrase";
let people = 0;
const newEmail = (what: string) => `${what}-${Date.now()}-${++people}@example.com`;

describe.skipIf(!chromium)("demo: more second factors in a browser", { timeout: FLOW_MS }, () => {
  let demo: DemoServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  /** Every response of 500 or above that any page got: bad input must be a 4xx, never a 500. */
  const serverErrors: string[] = [];

  beforeAll(async () => {
    demo = await startDemo();
    browser = (await launchBrowser())!;
  }, 60_000);

  afterEach(() => {
    expect(serverErrors).toEqual([]);
  });

  afterAll(async () => {
    if (process.env.TESSERA_DEBUG_DEMO) console.log(demo?.output());
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await demo?.stop();
  });

  /** A fresh browser profile's page: no cookies, no storage. Every URL it visits is recorded. */
  async function newPage(): Promise<{ page: Page; context: BrowserContext; visited: string[] }> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const visited: string[] = [];
    page.on("response", (response) => {
      if (response.status() >= 500) serverErrors.push(`${response.request().method()} ${response.url()} ${response.status()}`);
    });
    page.on("framenavigated", (frame) => {
      if (frame === page.mainFrame()) visited.push(frame.url());
    });
    return { page, context, visited };
  }

  /** Sign-up, then TOTP set up from the home page's link, as issue 3's flow does it. */
  async function signUpWithTOTP(page: Page, email: string): Promise<string> {
    await signUp(page, demo.url, email, password);
    await page.waitForURL(/\/auth\/mfa/, { timeout: STEP_MS });
    await page.goto(`${demo.url}/`);
    await page.waitForSelector("#user-id");
    await page.click("#setup-totp");
    const secret = await readSecretFromSetupScreen(page);
    await enterTOTP(page, totpLikeAnAuthenticator(secret, Date.now()));
    await waitForHome(page);
    return secret;
  }

  it("completes the second factor with an emailed one-time code in the pre-built UI", async () => {
    const { page } = await newPage();
    const email = newEmail("otp");
    await signUp(page, demo.url, email, password);
    // Nothing set up yet: the pre-built factor chooser offers both factors it knows.
    await page.waitForURL((url) => url.pathname === "/auth/mfa", { timeout: STEP_MS });
    await page.waitForSelector('[data-supertokens~="factorChooserOption"][data-supertokens~="totp"]', { timeout: STEP_MS });
    await page.click('[data-supertokens~="factorChooserOption"][data-supertokens~="otp-email"]');
    await page.waitForURL(/\/auth\/mfa\/otp-email/, { timeout: STEP_MS });
    // The screen sends the code to the account's email at once; the demo prints it.
    const code = await waitForEmailedCode(demo, email, 0);
    expect(code).toMatch(/^\d{6}$/);
    await page.waitForSelector("input[name=userInputCode]", { timeout: STEP_MS });

    // A wrong code is refused on the screen, and the session is still refused by the route.
    const wrong = code === "000000" ? "111111" : "000000";
    await page.fill("input[name=userInputCode]", wrong);
    await page.click("button[type=submit]");
    await page.getByText("Invalid OTP", { exact: true }).waitFor({ timeout: STEP_MS });
    expect(new URL(page.url()).pathname).toBe("/auth/mfa/otp-email");

    await page.fill("input[name=userInputCode]", code);
    await page.click("button[type=submit]");
    await waitForHome(page);
    const liked = await likeComment(page);
    expect(liked.status).toBe("200");
    expect(liked.text).toContain("Comment liked");

    // Next sign-in: the emailed code is now this user's factor, so the UI goes straight to it.
    await signOut(page);
    const before = emailedCodes(demo, email).length;
    await signIn(page, demo.url, email, password);
    await page.waitForURL(/\/auth\/mfa\/otp-email/, { timeout: STEP_MS });
    const second = await waitForEmailedCode(demo, email, before);
    await page.waitForSelector("input[name=userInputCode]", { timeout: STEP_MS });
    await page.fill("input[name=userInputCode]", second);
    await page.click("button[type=submit]");
    await waitForHome(page);
    expect((await likeComment(page)).status).toBe("200");
  });

  it("signs in with a recovery code instead of TOTP, and refuses a used one", async () => {
    const { page } = await newPage();
    const email = newEmail("recovery");
    await signUpWithTOTP(page, email);

    // Shown right after the setup, once.
    await page.waitForSelector("#recovery-codes li", { timeout: STEP_MS });
    const codes = await page.locator("#recovery-codes li").allInnerTexts();
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
    await page.reload();
    await page.waitForSelector('#recovery-codes-left[data-count="10"]', { timeout: STEP_MS });
    expect(await page.locator("#recovery-codes").count()).toBe(0);

    // Sign in again: on the TOTP code screen, "Use a recovery code" leads to our page.
    await signOut(page);
    await signIn(page, demo.url, email, password);
    await page.waitForURL(/\/auth\/mfa\/totp/, { timeout: STEP_MS });
    await page.click("#use-recovery-code", { timeout: STEP_MS });
    await page.waitForURL((url) => url.pathname === "/auth/mfa/recovery-code", { timeout: STEP_MS });
    await page.fill("input[name=recoveryCode]", codes[0]!);
    await page.click("#submit-recovery-code");
    await waitForHome(page);
    expect((await likeComment(page)).status).toBe("200");
    await page.waitForSelector('#recovery-codes-left[data-count="9"]', { timeout: STEP_MS });

    // The same code a second time: refused, and the session stays short of the second factor.
    await signOut(page);
    await signIn(page, demo.url, email, password);
    await page.waitForURL(/\/auth\/mfa\/totp/, { timeout: STEP_MS });
    await page.click("#use-recovery-code", { timeout: STEP_MS });
    await page.waitForURL((url) => url.pathname === "/auth/mfa/recovery-code", { timeout: STEP_MS });
    await page.fill("input[name=recoveryCode]", codes[0]!);
    await page.click("#submit-recovery-code");
    await page.waitForFunction(() => (document.querySelector("#recovery-code-error")?.textContent ?? "") !== "", undefined, { timeout: STEP_MS });
    expect(await page.locator("#recovery-code-error").innerText()).toContain("used already");
    expect(new URL(page.url()).pathname).toBe("/auth/mfa/recovery-code");
    await page.goto(`${demo.url}/`);
    await page.waitForSelector("#user-id");
    const refused = await likeComment(page);
    expect(refused.status).toBe("403");
    expect(refused.text).toContain('"id": "2fa-completed"');

    // Another unused code works, typed as a person might (upper case, no dash).
    await page.goto(`${demo.url}/auth/mfa/recovery-code`);
    await page.fill("input[name=recoveryCode]", codes[1]!.replace("-", "").toUpperCase());
    await page.click("#submit-recovery-code");
    await waitForHome(page);
    expect((await likeComment(page)).status).toBe("200");
    await page.waitForSelector('#recovery-codes-left[data-count="8"]', { timeout: STEP_MS });
  });

  it("skips the second factor on a remembered browser, and still asks for it in another", async () => {
    const first = await newPage();
    const email = newEmail("trusted");
    await signUpWithTOTP(first.page, email);
    await first.page.click("#remember-device");
    await first.page.waitForSelector("#device-remembered", { timeout: STEP_MS });
    const cookieOf = async (context: BrowserContext) => (await context.cookies()).find((c) => c.name === "sTrustedDevice");
    const remembered = await cookieOf(first.context);
    expect(remembered?.httpOnly).toBe(true);
    expect(remembered?.path).toBe("/auth");

    await signOut(first.page);
    first.visited.length = 0;
    await signIn(first.page, demo.url, email, password);
    await waitForHome(first.page);
    await first.page.waitForSelector("#trusted-sign-in", { timeout: STEP_MS });
    expect(first.visited.filter((url) => new URL(url).pathname.startsWith("/auth/mfa"))).toEqual([]);
    expect((await likeComment(first.page)).status).toBe("200");
    // Used once, so rotated: the browser holds a new secret for the same device.
    const rotated = await cookieOf(first.context);
    expect(rotated?.value.split(".")[0]).toBe(remembered?.value.split(".")[0]);
    expect(rotated?.value).not.toBe(remembered?.value);

    // Another browser (no device cookie): the same password still leads to the second factor.
    const other = await newPage();
    await signIn(other.page, demo.url, email, password);
    await other.page.waitForURL(/\/auth\/mfa\/totp/, { timeout: STEP_MS });
    await other.page.goto(`${demo.url}/`);
    await other.page.waitForSelector("#user-id");
    expect((await likeComment(other.page)).status).toBe("403");

    // Forgotten from the first browser: its next sign-in asks for the second factor again.
    await first.page.click("#forget-device");
    await first.page.waitForSelector("#device-forgotten", { timeout: STEP_MS });
    // Found by a new-user trial: the panel went on saying the browser was remembered.
    expect(await first.page.locator("#trusted-sign-in").count()).toBe(0);
    await signOut(first.page);
    await signIn(first.page, demo.url, email, password);
    await first.page.waitForURL(/\/auth\/mfa\/totp/, { timeout: STEP_MS });
  });
});

/** What a person does on the demo's pages, step by step, for the browser suites. */
import type { Page } from "playwright-core";
import type { DemoServer } from "./demo-server.js";

const STEP_MS = 15_000;

export async function signUp(page: Page, url: string, email: string, password: string): Promise<void> {
  await page.goto(`${url}/auth/?show=signup`);
  await page.fill("input[name=email]", email);
  await page.fill("input[name=password]", password);
  await page.click("button[type=submit]");
}

export async function signIn(page: Page, url: string, email: string, password: string): Promise<void> {
  await page.goto(`${url}/auth`);
  await page.fill("input[name=email]", email);
  await page.fill("input[name=password]", password);
  await page.click("button[type=submit]");
}

export async function signOut(page: Page): Promise<void> {
  await page.click("#sign-out");
  await page.waitForURL(/\/auth/, { timeout: STEP_MS });
}

/** Waits for the home page of a signed-in user. */
export async function waitForHome(page: Page): Promise<void> {
  await page.waitForURL((url) => url.pathname === "/", { timeout: STEP_MS });
  await page.waitForSelector("#user-id", { timeout: STEP_MS });
}

/** Presses "Like comment" on the home page and returns the HTTP status and the text shown. */
export async function likeComment(page: Page): Promise<{ status: string; text: string }> {
  const result = page.locator("#like-result");
  const before = Number((await result.getAttribute("data-count")) ?? "0");
  await page.click("#like-comment");
  await page.waitForFunction((n) => Number(document.querySelector("#like-result")?.getAttribute("data-count")) > n, before, { timeout: STEP_MS });
  return { status: (await result.getAttribute("data-status")) ?? "", text: await result.innerText() };
}

/** The secret key the pre-built TOTP setup screen shows under its QR code. */
export async function readSecretFromSetupScreen(page: Page): Promise<string> {
  await page.waitForSelector("input[name=totp]", { timeout: STEP_MS });
  await page.getByText("secret key", { exact: true }).click();
  // The pre-built UI renders inside a shadow root: collect the text of the whole tree.
  const text = await page.evaluate(() => {
    const parts: string[] = [];
    const walk = (node: Node) => {
      if (node instanceof Element && (node.tagName === "STYLE" || node.tagName === "SCRIPT")) return;
      if (node.nodeType === Node.TEXT_NODE) parts.push(node.textContent ?? "");
      if (node instanceof Element && node.shadowRoot) walk(node.shadowRoot);
      node.childNodes.forEach(walk);
    };
    walk(document.body);
    return parts.join(" ");
  });
  const match = /\b([A-Z2-7]{32})\b/.exec(text.replace(/\s+/g, " "));
  if (!match?.[1]) throw new Error(`no secret on the setup screen:\n${text}`);
  return match[1];
}

export async function enterTOTP(page: Page, code: string): Promise<void> {
  await page.fill("input[name=totp]", code);
  await page.click("button[type=submit]");
}

/** Every sign-in code the demo printed for `email`, oldest first (its console stands in for the mailbox). */
export function emailedCodes(demo: DemoServer, email: string): string[] {
  const line = new RegExp(`^\\[email\\] sign-in code for ${email.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: (\\S+) `, "gm");
  return [...demo.output().matchAll(line)].map((m) => m[1]!);
}

/** Waits until the demo has printed more than `seen` codes for `email`, and returns the newest. */
export async function waitForEmailedCode(demo: DemoServer, email: string, seen: number): Promise<string> {
  const deadline = Date.now() + STEP_MS;
  for (;;) {
    const codes = emailedCodes(demo, email);
    if (codes.length > seen) return codes[codes.length - 1]!;
    if (Date.now() > deadline) throw new Error(`no new sign-in code for ${email} in the demo's output:\n${demo.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

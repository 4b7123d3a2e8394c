// Headless Chromium for the demo's browser tests.
//
// Uses Debian's `chromium` package (/usr/bin/chromium, `apt-get install -y
// chromium`) driven by playwright-core; playwright's own browser download
// (`npx playwright install`) cannot work on these machines. Tests should skip
// when launchBrowser() returns null (Chromium not installed).

import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

const DEFAULT_CHROMIUM_PATHS = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

// Flags for this environment: no sandbox (we run as root), no GPU, and no
// background traffic. The machine has no network beyond the package
// registries, and without the background-networking flags Chromium keeps
// trying (and failing) to reach Google's hosts.
export const CHROMIUM_ARGS: readonly string[] = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/**
 * The time a whole browser test may take. A flow is many steps (sign-up, an argon2 hash, page loads,
 * a second factor), each waited for up to 15 s; vitest's default of 20 s for a test is for unit
 * tests, and a flow passed in 10-16 s on a slow, shared machine, too close to it.
 */
export const FLOW_MS = 120_000;

/** Path of the Chromium binary, or null if none is installed. CHROMIUM_PATH overrides. */
export function findChromium(): string | null {
    const fromEnv = process.env.CHROMIUM_PATH;
    if (fromEnv) {
        return existsSync(fromEnv) ? fromEnv : null;
    }
    return DEFAULT_CHROMIUM_PATHS.find((p) => existsSync(p)) ?? null;
}

/**
 * Launches headless Chromium, or returns null when it is not installed.
 *
 * Each launch gets a fresh, empty profile: playwright's launch() creates its own
 * temporary user-data dir and deletes it on close() (it refuses a
 * --user-data-dir arg; that is what launchPersistentContext is for), so there
 * is no state shared between runs or tests.
 */
export async function launchBrowser(options: { timeoutMs?: number } = {}): Promise<Browser | null> {
    const executablePath = findChromium();
    if (executablePath === null) {
        return null;
    }
    return chromium.launch({
        executablePath,
        headless: true,
        args: [...CHROMIUM_ARGS],
        timeout: options.timeoutMs ?? 30_000,
    });
}

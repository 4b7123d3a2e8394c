/**
 * The import direction of STYLE.md section 1, checked on every source file (a test rather than a
 * lint rule: it needs no dependency and runs in milliseconds):
 *   framework/, nextjs/ → a recipe's public entry → core/ ← storage/
 * - core/ imports only core/;
 * - storage/ imports only core/ and storage/, never a recipe;
 * - a recipe imports core/, its own files, and other recipes only through their public entry
 *   points (the files the package's exports map publishes, e.g. recipe/session/index.ts or
 *   recipe/session/claims/index.ts); recipe/session/framework/* re-exports the adapters;
 * - an adapter imports core/, public recipe entries and its own folder, never storage; the
 *   Express-based ones (LoopBack, NestJS, Next.js) may build on the Express adapter.
 * The package's root index.ts wires storage to init and may import anything.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../", import.meta.url));
const src = join(root, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

/** Source files (relative to src/) that the exports map publishes. */
function publicEntries(): Set<string> {
  const exportsMap = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { exports: Record<string, unknown> }).exports;
  const entries = new Set<string>();
  for (const target of Object.values(exportsMap)) {
    const text = JSON.stringify(target);
    const match = /"\.\/dist\/esm\/([^"]+)\.js"/.exec(text);
    if (match?.[1]) entries.add(`${match[1]}.ts`);
  }
  return entries;
}

const SPECIFIER = /(?:^|[\s;])(?:import|export)\s[^;]*?from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)/g;

function relativeImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found: string[] = [];
  for (const match of text.matchAll(SPECIFIER)) {
    const specifier = match[1] ?? match[2];
    if (specifier?.startsWith(".")) found.push(relative(src, normalize(join(dirname(file), specifier))).replace(/\.js$/, ".ts"));
  }
  return found;
}

const EXPRESS_BASED = new Set(["framework/loopback", "framework/nestjs", "nextjs"]);

/** Why `from` may not import `to`, or undefined when it may. */
function breach(from: string, to: string, published: Set<string>): string | undefined {
  const [top, second] = from.split("/");
  const toTop = to.split("/")[0];
  if (from === "index.ts" || toTop === "core") return undefined;
  if (top === "core") return "core imports only core";
  if (top === "storage") return toTop === "storage" ? undefined : "storage imports only core and storage";
  if (toTop === "storage") return "only storage and the root index import storage";
  if (top === "recipe") {
    const own = `recipe/${second}/`;
    if (to.startsWith(own)) return undefined;
    if (from.startsWith("recipe/session/framework/") && to.startsWith("framework/")) return undefined;
    if (toTop === "recipe" && published.has(to)) return undefined;
    return "a recipe reaches another only through its public entry";
  }
  if (top === "framework" || top === "nextjs") {
    const own = top === "nextjs" ? "nextjs/" : `framework/${second}/`;
    if (to.startsWith(own)) return undefined;
    if (toTop === "recipe" && published.has(to)) return undefined;
    if (to.startsWith("framework/express/") && EXPRESS_BASED.has(top === "nextjs" ? "nextjs" : `framework/${second}`)) return undefined;
    return "an adapter imports core, public recipe entries and its own folder";
  }
  return undefined;
}

describe("the layer rule (STYLE.md section 1)", () => {
  const published = publicEntries();

  it("finds the public entries it checks against", () => {
    expect(published).toContain("recipe/session/index.ts");
    expect(published).toContain("recipe/session/claims/index.ts");
    expect(published).toContain("framework/express/index.ts");
  });

  it("has no import against the direction framework → recipe entry → core ← storage", () => {
    const breaches: string[] = [];
    for (const file of sourceFiles(src)) {
      const from = relative(src, file);
      for (const to of relativeImports(file)) {
        const why = breach(from, to, published);
        if (why) breaches.push(`${from} → ${to}: ${why}`);
      }
    }
    expect(breaches).toEqual([]);
  });

  it("would catch a breach (the checker itself)", () => {
    expect(breach("core/router.ts", "recipe/session/index.ts", published)).toBeDefined();
    expect(breach("storage/sql/storage.ts", "recipe/totp/types.ts", published)).toBeDefined();
    expect(breach("recipe/totp/recipe.ts", "recipe/session/request.ts", published)).toBeDefined();
    expect(breach("framework/koa/index.ts", "storage/sqlite/index.ts", published)).toBeDefined();
    expect(breach("framework/koa/index.ts", "framework/express/index.ts", published)).toBeDefined();
    expect(breach("recipe/totp/recipe.ts", "recipe/session/index.ts", published)).toBeUndefined();
  });
});

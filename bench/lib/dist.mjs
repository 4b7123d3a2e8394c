// The build under test: the benches import tessera's BUILT ES modules (packages/tessera/dist/esm),
// never the sources, so that what is measured is what an app runs.
import { existsSync, readFileSync, statSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const esm = fileURLToPath(new URL("../../packages/tessera/dist/esm/", import.meta.url));

/** One module of the build, by its path under dist/esm (e.g. "recipe/session/tokens.js"). */
export function importDist(path) {
  return import(pathToFileURL(esm + path).href);
}

/** When the build was made, or undefined when there is none. */
export function distInfo() {
  const index = `${esm}index.js`;
  if (!existsSync(index)) return undefined;
  return { builtAt: statSync(index).mtime.toISOString() };
}

/** Whether this build has the session option `verifiedTokenCacheSize` (the cache-off cases need it). */
export async function distHasVerifiedTokenCache() {
  const file = `${esm}recipe/session/config.js`;
  return existsSync(file) && readFileSync(file, "utf8").includes("verifiedTokenCacheSize");
}

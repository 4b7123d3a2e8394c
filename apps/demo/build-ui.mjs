// Bundles the demo UI (ui/main.tsx: supertokens-auth-react pre-built UI +
// a small home page) into dist/ui/ with esbuild: dist/ui/app.js and
// dist/ui/index.html. Everything comes from node_modules; nothing is fetched
// from the network, at build time or at runtime.
//
// Usage: node build-ui.mjs   (from apps/demo, or `npm run build -w tessera-demo`)

import { build } from "esbuild";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, "dist", "ui");

// Absolute asset path: index.html is served for every non-API GET path
// (/auth/mfa/totp, ...), so a relative "app.js" would resolve wrongly.
const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tessera demo</title>
</head>
<body>
<div id="root"></div>
<script src="/app.js"></script>
</body>
</html>
`;

export async function buildUi({ quiet = false } = {}) {
    const started = performance.now();
    await rm(outDir, { recursive: true, force: true });
    await mkdir(outDir, { recursive: true });

    const result = await build({
        entryPoints: [join(here, "ui", "main.tsx")],
        outfile: join(outDir, "app.js"),
        bundle: true,
        minify: true,
        sourcemap: false,
        format: "iife",
        platform: "browser",
        target: ["es2019"],
        jsx: "automatic",
        define: { "process.env.NODE_ENV": '"production"' },
        // supertokens-auth-react's nextjs SSR helper requires node's crypto;
        // it is never reached from the browser entry, but keep it out anyway.
        external: ["crypto"],
        legalComments: "none",
        logLevel: quiet ? "silent" : "warning",
        metafile: true,
    });
    await writeFile(join(outDir, "index.html"), INDEX_HTML);

    const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
    const ms = Math.round(performance.now() - started);
    if (!quiet) {
        console.log(`built dist/ui/app.js: ${(bytes / 1024).toFixed(1)} KiB (${bytes} bytes) in ${ms} ms`);
    }
    return { outDir, bytes, ms };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
    buildUi().catch((err) => {
        console.error(err);
        process.exit(1);
    });
}

// The fixture app of test/frameworks/nextjs.test.ts. No fonts, images or telemetry: it builds offline.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const TESSERA = /^tessera(\/|$)/;

/** @type {import("next").NextConfig} */
const config = {
  // The workspace root, so Next.js does not guess it from the lockfiles it finds.
  outputFileTracingRoot: resolve(here, "..", "..", "..", "..", ".."),
  // The fixture is plain JavaScript; the seed's TypeScript is checked by the contract test.
  typescript: { ignoreBuildErrors: true },
  eslint: { ignoreDuringBuilds: true },
  images: { unoptimized: true },
  poweredByHeader: false,
  webpack: (webpackConfig, { isServer, nextRuntime }) => {
    // A test build: minifying only costs time.
    webpackConfig.optimization.minimize = false;
    if (isServer && nextRuntime === "nodejs") {
      // tessera keeps one registry per process, so every route, the middleware and the server
      // components must share one copy: the built package, loaded by Node (dist/cjs). An app that
      // installs tessera gets this from `serverExternalPackages: ["tessera"]`; here node_modules/tessera
      // is a symlink into the workspace, which Next.js would bundle as source (a copy per layer).
      const externals = [].concat(webpackConfig.externals ?? []);
      webpackConfig.externals = [({ request }, callback) => (request && TESSERA.test(request) ? callback(null, `commonjs ${request}`) : callback()), ...externals];
    }
    return webpackConfig;
  },
};

export default config;

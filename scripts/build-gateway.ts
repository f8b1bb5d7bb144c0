// Bundles the gateway (and the workspace packages it uses) into one ESM file
// for production: `npm start` runs it with plain node. Running from source
// through tsx keeps every function's name with a defineProperty call, which
// turns closures into dictionary objects — several hundred bytes for each
// closure a connection creates; a bundle built without keepNames, with
// third-party packages left external, does not.

import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const GATEWAY_BUNDLE = path.join(root, "apps/gateway/dist/main.mjs");

export async function buildGateway(): Promise<string> {
  await build({
    entryPoints: [path.join(root, "apps/gateway/src/main.ts")],
    outfile: GATEWAY_BUNDLE,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: "linked",
    // Workspace packages are bundled (they are TypeScript sources); npm
    // packages stay in node_modules, loaded as usual.
    plugins: [
      {
        name: "external-npm",
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith("@postern/") ? undefined : { path: args.path, external: true },
          );
        },
      },
    ],
    logLevel: "warning",
  });
  return GATEWAY_BUNDLE;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  console.log(await buildGateway());
}

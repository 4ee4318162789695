// Builds the web UI into dist/: app.js (src/main.ts and @herald/client,
// socket.io-client included, bundled by esbuild), index.html, app.css and
// favicon.svg.
// The realtime gateway serves dist/ at /.
import { copyFile, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const src = path.join(here, "src");
const dist = path.join(here, "dist");

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
const { metafile } = await build({
  entryPoints: [path.join(src, "main.ts")],
  // The workspace packages from their TypeScript sources (ES modules), not their CommonJS builds: esbuild can only
  // drop what the page does not use (most of the contract, for one) from ES modules.
  alias: {
    "@herald/client": path.join(here, "..", "client", "src", "index.ts"),
    "@herald/contract": path.join(here, "..", "contract", "src", "index.ts"),
  },
  outfile: path.join(dist, "app.js"),
  bundle: true,
  format: "iife",
  platform: "browser",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  minify: true,
  sourcemap: "linked",
  legalComments: "linked",
  logLevel: "warning",
  // What went into app.js, for the size check (test/layout): the contract's zod schemas must stay out.
  metafile: true,
});
await writeFile(path.join(dist, "meta.json"), JSON.stringify(metafile));
await Promise.all(["index.html", "app.css", "favicon.svg"].map((file) => copyFile(path.join(src, file), path.join(dist, file))));

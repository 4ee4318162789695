// Builds the web UI into dist/: app.js (src/main.ts and @herald/client,
// socket.io-client included, bundled by esbuild), index.html, app.css and
// favicon.svg.
// The realtime gateway serves dist/ at /.
import { copyFile, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const src = path.join(here, "src");
const dist = path.join(here, "dist");

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
await build({
  entryPoints: [path.join(src, "main.ts")],
  outfile: path.join(dist, "app.js"),
  bundle: true,
  format: "iife",
  platform: "browser",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  minify: true,
  sourcemap: "linked",
  legalComments: "linked",
  logLevel: "warning",
});
await Promise.all(["index.html", "app.css", "favicon.svg"].map((file) => copyFile(path.join(src, file), path.join(dist, file))));

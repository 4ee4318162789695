import { existsSync } from "node:fs";
import path from "node:path";
import express, { Router } from "express";

/**
 * The web notification center (@herald/web, built into its dist/ before the
 * gateway: the gateway depends on it, so turbo builds it first). Static files
 * only; the page talks to this same gateway's REST API and Socket.IO.
 */
export function webUiDir(): string {
  return path.join(path.dirname(require.resolve("@herald/web/package.json")), "dist");
}

/**
 * The page may load only its own script and stylesheet and connect only to
 * this origin: even if some server text were ever rendered as markup, no
 * injected script or inline handler would run.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** GET / (index.html), /app.js, /app.css and the like, from `dir`; anything else falls through to the API's 404. */
export function createWebUiRouter(dir: string = webUiDir()): Router {
  if (!existsSync(path.join(dir, "index.html"))) {
    throw new Error(`the web UI is not built (no ${path.join(dir, "index.html")}): run npm run build`);
  }
  const router = Router();
  router.use(
    express.static(dir, {
      index: "index.html",
      redirect: false,
      dotfiles: "ignore",
      // File names are not content-hashed: revalidate (ETag) on every load, so a new build shows at once.
      cacheControl: true,
      maxAge: 0,
      setHeaders(res) {
        res.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        res.setHeader("X-Content-Type-Options", "nosniff");
        res.setHeader("Referrer-Policy", "no-referrer");
        res.setHeader("X-Frame-Options", "DENY");
      },
    }),
  );
  return router;
}

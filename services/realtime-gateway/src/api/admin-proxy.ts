import express, { Router } from "express";
import { ApiError } from "@herald/contract";

/** The operator routes the admin panel uses; anything else under /api/v1/admin is this gateway's 404. */
const PROXIED = [
  { method: "GET", path: /^\/deliveries$/ },
  { method: "GET", path: /^\/deliveries\/[^/]+$/ },
  { method: "POST", path: /^\/deliveries\/[^/]+\/retry$/ },
  { method: "GET", path: /^\/stats$/ },
  { method: "GET", path: /^\/events\/[^/]+\/decisions$/ },
  { method: "GET", path: /^\/subscriptions$/ },
  { method: "PATCH", path: /^\/subscriptions\/[^/]+$/ },
] as const;

/** How long ingest may take to answer one operator call before the panel is told it is unavailable. */
const INGEST_TIMEOUT_MS = 10_000;

/**
 * The admin panel's calls to ingest's operator API, passed through this gateway rather than made cross-origin: the
 * page keeps its CSP's connect-src 'self', no CORS policy for credentials has to be kept in step on ingest, and
 * ingest still decides everything (the admin's bearer token goes along as it came; ingest checks the role and scopes
 * every read to the token's tenant). GET /api/v1/admin/links is answered here: where the queue dashboard is.
 */
export function createAdminProxyRouter(ingest: { readonly url: string; readonly publicUrl: string }): Router {
  const router = Router();
  router.get("/links", (_req, res) => {
    res.json({ dashboard: `${ingest.publicUrl}/admin/login` });
  });
  router.use(express.raw({ type: "*/*", limit: "16kb" }), async (req, res) => {
    const path = req.path;
    if (!PROXIED.some((r) => r.method === req.method && r.path.test(path))) {
      throw new ApiError(404, "not_found", `no route ${req.method} /api/v1/admin${path}`);
    }
    const headers: Record<string, string> = { accept: "application/json" };
    if (req.headers.authorization) headers.authorization = req.headers.authorization;
    const body = Buffer.isBuffer(req.body) && req.body.length > 0 ? req.body : undefined;
    if (body && req.headers["content-type"]) headers["content-type"] = req.headers["content-type"];
    let answer: Response;
    try {
      answer = await fetch(`${ingest.url}/api/v1/admin${req.url}`, {
        method: req.method,
        headers,
        body,
        signal: AbortSignal.timeout(INGEST_TIMEOUT_MS),
      });
    } catch {
      throw new ApiError(503, "ingest_unavailable", "the operator API (ingest) did not answer; try again");
    }
    res.status(answer.status);
    const type = answer.headers.get("content-type");
    if (type) res.setHeader("content-type", type);
    const retryAfter = answer.headers.get("retry-after");
    if (retryAfter) res.setHeader("retry-after", retryAfter);
    res.setHeader("cache-control", "no-store");
    res.send(Buffer.from(await answer.arrayBuffer()));
  });
  return router;
}

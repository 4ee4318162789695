import { once } from "node:events";
import http, { type RequestListener, type Server } from "node:http";
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from "express";
import { ApiError } from "@herald/contract";
import type { Logger } from "./logger";
import type { HttpTimeouts } from "./service-config";

export type ReadinessCheck = () => Promise<boolean>;

export interface ServiceAppOptions {
  readonly service: string;
  /** Named dependency checks reported by GET /ready; any failing one makes it 503. */
  readonly readiness: Readonly<Record<string, ReadinessCheck>>;
  /**
   * Checks of dependencies the service's main job can do without: reported
   * by GET /ready (status "degraded") but never making it 503, so a load
   * balancer keeps sending the traffic that still works.
   */
  readonly degradedBy?: Readonly<Record<string, ReadinessCheck>>;
  /** Extra fields for GET /health (e.g. last readings). */
  readonly healthDetails?: () => Record<string, unknown>;
}

/** An Express app with the `/health` and `/ready` endpoints every service exposes. */
export function createServiceApp(options: ServiceAppOptions): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", false);
  app.get("/health", (_req, res) => {
    res.json({ status: "ok", service: options.service, uptimeSeconds: Math.round(process.uptime()), ...options.healthDetails?.() });
  });
  const run = (checks: Readonly<Record<string, ReadinessCheck>>) =>
    Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await check().catch(() => false)] as const));
  app.get("/ready", async (_req, res) => {
    const [required, optional] = await Promise.all([run(options.readiness), run(options.degradedBy ?? {})]);
    const ready = required.every(([, ok]) => ok);
    const degraded = optional.some(([, ok]) => !ok);
    const status = !ready ? "unavailable" : degraded ? "degraded" : "ready";
    res.status(ready ? 200 : 503).json({ status, service: options.service, checks: Object.fromEntries([...required, ...optional]) });
  });
  return app;
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, "not_found", `no route for ${req.method} ${req.path}`));
};

interface BodyParserError extends Error {
  type?: string;
  status?: number;
}

export interface ErrorHandlerOptions {
  /**
   * Recognizers of a dependency's outage, by the dependency's name: an error
   * one of them recognizes answers 503 `<name>_unavailable` and is logged as
   * a warning. Anything unrecognized stays a 500 and an error in the logs.
   */
  readonly outages?: Readonly<Record<string, (error: unknown) => boolean>>;
}

/** Turns every error into the contract's JSON error body. */
export function errorHandler(logger: Logger, options: ErrorHandlerOptions = {}): ErrorRequestHandler {
  const outages = Object.entries(options.outages ?? {});
  return (error: unknown, req, res, _next) => {
    let apiError: ApiError;
    const parserError = error as BodyParserError;
    const outage = outages.find(([, recognizes]) => recognizes(error))?.[0];
    if (error instanceof ApiError) {
      apiError = error;
    } else if (outage !== undefined) {
      logger.warn({ err: (error as Error).message, method: req.method, path: req.path }, `${outage} unavailable`);
      apiError = new ApiError(503, `${outage}_unavailable`, `the ${outage} is unavailable; retry later`);
    } else if (parserError.type === "entity.too.large") {
      apiError = new ApiError(413, "payload_too_large", "request body is too large");
    } else if (parserError.type === "entity.parse.failed") {
      apiError = new ApiError(400, "invalid_json", "request body is not valid JSON");
    } else if (parserError.type === "encoding.unsupported" || parserError.type === "charset.unsupported") {
      apiError = new ApiError(415, "unsupported_media_type", parserError.message);
    } else {
      logger.error({ err: error, method: req.method, path: req.path }, "unhandled request error");
      apiError = new ApiError(500, "internal_error", "internal error");
    }
    if (res.headersSent) return;
    res.status(apiError.status).json(apiError.toBody());
  };
}

/**
 * The service's HTTP server, with its request timeouts: a client that sends
 * its headers or body too slowly gets 408 and its connection closed, instead
 * of holding it for Node's defaults (60 s, 300 s). They do not limit how long
 * a response takes (long-polling, WebSockets once upgraded).
 */
export function createHttpServer(app: RequestListener, timeouts: HttpTimeouts): Server {
  return http.createServer(
    {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      // Node enforces both only when it checks, every 30 s by default: checked every second, they mean what they say.
      connectionsCheckingInterval: Math.min(1_000, timeouts.headersTimeoutMs),
    },
    app,
  );
}

export async function listen(server: Server, port: number, host?: string): Promise<number> {
  server.listen(port, host);
  await once(server, "listening");
  const address = server.address();
  return typeof address === "object" && address ? address.port : port;
}

/**
 * Stops taking connections and resolves once those in flight are done.
 * Idle keep-alive connections are closed at once: left open, they would hold
 * the shutdown until the client drops them.
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

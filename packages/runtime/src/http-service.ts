import { once } from "node:events";
import type { Server } from "node:http";
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from "express";
import { ApiError } from "@herald/contract";
import type { Logger } from "./logger";

export type ReadinessCheck = () => Promise<boolean>;

/**
 * A readiness check that has not answered by then counts as failed, so that
 * GET /ready answers while a dependency hangs (a probe gives up after its own
 * timeout, 2 s in k8s/, and would read a hang as a dead process).
 */
export const READINESS_CHECK_TIMEOUT_MS = 1_000;

async function withTimeout(check: ReadinessCheck, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([check().catch(() => false), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

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
  /** How long each check may take before it counts as failed (default READINESS_CHECK_TIMEOUT_MS). */
  readonly checkTimeoutMs?: number;
}

/** An Express app with the `/health` and `/ready` endpoints every service exposes. */
export function createServiceApp(options: ServiceAppOptions): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", false);
  app.get("/health", (_req, res) => {
    res.json({ status: "ok", service: options.service, uptimeSeconds: Math.round(process.uptime()), ...options.healthDetails?.() });
  });
  const timeoutMs = options.checkTimeoutMs ?? READINESS_CHECK_TIMEOUT_MS;
  const run = (checks: Readonly<Record<string, ReadinessCheck>>) =>
    Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await withTimeout(check, timeoutMs)] as const));
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

/** Turns every error into the contract's JSON error body. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    let apiError: ApiError;
    const parserError = error as BodyParserError;
    if (error instanceof ApiError) {
      apiError = error;
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

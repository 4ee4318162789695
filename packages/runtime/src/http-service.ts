import { once } from "node:events";
import http, { type RequestListener, type Server } from "node:http";
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from "express";
import { ApiError } from "@herald/contract";
import type { Logger } from "./logger";
import { metricsHandler, type ServiceMetrics } from "./metrics";
import type { HttpTimeouts } from "./service-config";

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
  /** What GET /metrics reports. */
  readonly metrics: ServiceMetrics;
  /** The bearer token GET /metrics requires (METRICS_TOKEN); without one, no /metrics route at all. */
  readonly metricsToken?: string;
}

/** An Express app with the `/health`, `/ready` and `/metrics` endpoints every service exposes. */
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
  if (options.metricsToken !== undefined) app.get("/metrics", metricsHandler(options.metrics, options.metricsToken));
  return app;
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, "not_found", `no route for ${req.method} ${req.path}`));
};

/** What body-parser (through http-errors) attaches to the errors it passes on. */
interface BodyParserError extends Error {
  type?: string;
  status?: number;
  /** Set by http-errors: the message is meant for the client. */
  expose?: boolean;
  /** zlib's or brotli's code when the body failed to decompress (`Z_DATA_ERROR`, …). */
  code?: string;
}

/**
 * The 4xx a request error stands for, when it is the client's: ours, or one
 * body-parser found while reading the body. Anything else is a bug (500).
 * errorHandler answers with it; so does a handler in front of Express (ingest's publish path).
 */
export function clientError(error: unknown, contentEncoding: string | undefined): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (typeof error !== "object" || error === null) return undefined;
  const parserError = error as BodyParserError;
  switch (parserError.type) {
    case "entity.too.large":
      return new ApiError(413, "payload_too_large", "request body is too large");
    case "entity.parse.failed":
      return new ApiError(400, "invalid_json", "request body is not valid JSON");
    case "encoding.unsupported":
    case "charset.unsupported":
      return new ApiError(415, "unsupported_media_type", parserError.message);
    case "request.size.invalid":
      return new ApiError(400, "invalid_body", "request body is shorter or longer than its Content-Length");
  }
  const status = parserError.status;
  if (parserError.expose !== true || typeof status !== "number" || status < 400 || status > 499) return undefined;
  // body-parser's one untyped 400: the decompression stream failed on bytes that are not what Content-Encoding says.
  if (parserError.type === undefined && typeof parserError.code === "string") {
    const encoding = contentEncoding?.toLowerCase() || "compressed";
    return new ApiError(400, "invalid_encoding", `request body is not valid ${encoding} data: ${parserError.message}`);
  }
  return new ApiError(status, "bad_request", parserError.message);
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
    let apiError = clientError(error, req.get("content-encoding"));
    const outage = apiError ? undefined : outages.find(([, recognizes]) => recognizes(error))?.[0];
    if (!apiError && outage !== undefined) {
      logger.warn({ err: (error as Error).message, method: req.method, path: req.path }, `${outage} unavailable`);
      apiError = new ApiError(503, `${outage}_unavailable`, `the ${outage} is unavailable; retry later`);
    }
    if (!apiError) {
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

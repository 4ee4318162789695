import { once } from "node:events";
import type { Server } from "node:http";
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from "express";
import { ApiError } from "@herald/core";
import type { Logger } from "./logger";

export type ReadinessCheck = () => Promise<boolean>;

export interface ServiceAppOptions {
  readonly service: string;
  /** Named dependency checks reported by GET /ready. */
  readonly readiness: Readonly<Record<string, ReadinessCheck>>;
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
  app.get("/ready", async (_req, res) => {
    const entries = await Promise.all(
      Object.entries(options.readiness).map(async ([name, check]) => [name, await check().catch(() => false)] as const),
    );
    const checks = Object.fromEntries(entries);
    const ready = entries.every(([, ok]) => ok);
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "unavailable", service: options.service, checks });
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

import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import express from "express";
import { ApiError } from "@herald/contract";
import { authenticate, publisherOf, VerifiedTokens, type AuthConfig } from "@herald/auth";
import { clientError, type Logger } from "@herald/runtime";
import { RetryLaterError, type EventIntake, type Producer } from "./event-intake";
import type { PublishMetrics } from "./publish-metrics";
import { publishRouteOf, type PublishRoute } from "./publish-route";

export interface PublishHandlerOptions {
  readonly auth: AuthConfig;
  readonly intake: EventIntake;
  readonly maxBodyBytes: number;
  readonly metrics: PublishMetrics;
  readonly logger: Logger;
}

/** What Express's res.json sends (the charset included), for answers alike whichever side gave them. */
const JSON_TYPE = "application/json; charset=utf-8";

function send(res: ServerResponse, status: number, text: string, retryAfterSeconds?: number): void {
  const headers = ["Content-Type", JSON_TYPE, "Content-Length", String(Buffer.byteLength(text))];
  if (retryAfterSeconds !== undefined) headers.push("Retry-After", String(retryAfterSeconds));
  res.writeHead(status, headers).end(text);
}

/**
 * The publishing endpoints, POST /api/v1/events and POST /api/v1/events/batch,
 * answered in front of Express (`fallback`, which serves every other request):
 * routing and response building through Express cost more per publish than
 * everything else ingest does with it. The rest is Express's and the
 * middleware's own, in the same order: the bearer token (401, 403), then the
 * body, read by the same body-parser with the same limits (413, 415 and 400
 * for a body that is not JSON, not declared JSON or not what its
 * Content-Encoding says), then the events (EventIntake), and every error
 * answered with the body errorHandler gives it.
 */
export function createPublishHandler(options: PublishHandlerOptions, fallback: RequestListener): RequestListener {
  const { intake, logger, metrics } = options;
  const tokens = new VerifiedTokens(options.auth);
  const verify = (token: string | undefined) => tokens.verify(token);
  const parseJson = express.json({ limit: options.maxBodyBytes, strict: false });

  /** The parsed body; 415 when body-parser left it alone (no body, or not declared application/json), as requireJson did. */
  const readBody = (req: IncomingMessage, res: ServerResponse) =>
    new Promise<unknown>((resolve, reject) =>
      parseJson(req, res, (error?: unknown) => {
        if (error) return reject(error);
        const body = (req as IncomingMessage & { body?: unknown }).body;
        if (body === undefined) reject(new ApiError(415, "unsupported_media_type", "Content-Type must be application/json"));
        else resolve(body);
      }),
    );

  async function answer(route: PublishRoute, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    try {
      const { producer: principal, grant } = publisherOf(authenticate(req.headers.authorization, verify));
      const producer: Producer = { principal, grant };
      const body = await readBody(req, res);
      if (route === "single") {
        const id = await intake.single(body, producer);
        send(res, 202, `{"id":${JSON.stringify(id)},"status":"accepted"}`);
        metrics.accepted(route, 1, started);
      } else {
        const ids = await intake.batch(body, producer);
        send(res, 202, `{"ids":${JSON.stringify(ids)},"status":"accepted"}`);
        metrics.accepted(route, ids.length, started);
      }
    } catch (error) {
      let apiError = clientError(error, req.headers["content-encoding"]);
      if (!apiError) {
        logger.error({ err: error, method: req.method, path: req.url?.split("?")[0] }, "unhandled request error");
        apiError = new ApiError(500, "internal_error", "internal error");
      }
      if (res.headersSent) return;
      metrics.refused(route, apiError.code, started);
      send(
        res,
        apiError.status,
        JSON.stringify(apiError.toBody()),
        apiError instanceof RetryLaterError ? apiError.retryAfterSeconds : undefined,
      );
    }
  }

  return (req, res) => {
    const route = publishRouteOf(req.method, req.url);
    if (route === undefined) fallback(req, res);
    else void answer(route, req, res);
  };
}

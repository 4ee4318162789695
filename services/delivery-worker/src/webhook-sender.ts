import http from "node:http";
import https from "node:https";
import type { DeliveryContext } from "./delivery-store";
import { DestinationRefusedError, guardAgent } from "./guarded-lookup";
import { Webhook } from "standardwebhooks";

export interface WebhookSenderOptions {
  readonly timeoutMs: number;
  readonly allowedHosts: readonly string[];
}

export type SendResult =
  | { readonly ok: true; readonly httpStatus?: number; readonly smtpResponse?: string; readonly durationMs: number }
  | {
      readonly ok: false;
      readonly httpStatus?: number;
      readonly smtpResponse?: string;
      readonly error: string;
      readonly durationMs: number;
      /** Retrying cannot help (e.g. the destination is refused). */
      readonly permanent?: boolean;
    };

/** The JSON a webhook receives (contract: id, type, occurredAt, payload, notification). */
export function webhookBody(context: DeliveryContext): string {
  const n = context.notification;
  return JSON.stringify({
    id: n.eventId ?? `notification_${n.id}`,
    type: n.type,
    occurredAt: n.occurredAt.toISOString(),
    payload: n.payload,
    notification: {
      id: n.id,
      title: n.title,
      body: n.body,
      category: n.category,
      critical: n.critical,
      createdAt: n.createdAt.toISOString(),
      count: n.count,
      url: n.url,
      actions: n.actions,
    },
  });
}

/**
 * Standard Webhooks headers for one message: its id, the time it is sent, and
 * the signature of both with the body, under the user's `whsec_` secret.
 */
export function webhookHeaders(
  secret: string,
  id: string,
  body: string,
  sentAt: Date,
): Record<"webhook-id" | "webhook-timestamp" | "webhook-signature", string> {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, sentAt, body),
  };
}

/** Bytes of a receiver's answer read at most: only its status is kept, and an endless body must not hold the slot. */
const MAX_RESPONSE_BYTES = 64 * 1024;

class TimeoutError extends Error {}
class StaleConnectionError extends Error {}

/**
 * POSTs signed webhooks (Standard Webhooks headers). The `webhook-id` is the
 * delivery's, the same on every retry, so receivers can drop repeats.
 *
 * Straight over node:http(s) on keep-alive agents, whose every connection
 * goes through the address guard. Redirects are not followed (a 3xx is an
 * answer like any non-2xx: the guard would not see where it points), and
 * the whole exchange, connecting included, is cut at the timeout.
 */
export class WebhookSender {
  private readonly agents: { readonly "http:": http.Agent; readonly "https:": https.Agent };

  constructor(private readonly options: WebhookSenderOptions) {
    this.agents = {
      "http:": guardAgent(new http.Agent({ keepAlive: true }), options.allowedHosts),
      "https:": guardAgent(new https.Agent({ keepAlive: true }), options.allowedHosts),
    };
  }

  async send(context: DeliveryContext, url: string, secret: string): Promise<SendResult> {
    return this.post(url, secret, `msg_${context.deliveryId}`, webhookBody(context));
  }

  /** POSTs one signed message: `id` is its `webhook-id`, the same on every retry. */
  async post(url: string, secret: string, id: string, body: string): Promise<SendResult> {
    const started = performance.now();
    try {
      const headers = {
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(body)),
        "user-agent": "Herald-Webhooks/1",
        ...webhookHeaders(secret, id, body, new Date()),
      };
      const target = new URL(url);
      const status = await this.exchange(target, body, headers).catch((error: unknown) => {
        // A kept-alive connection the receiver closed just as it was reused: no answer came, so try once on a fresh one
        // rather than spend one of the delivery's attempts (and its backoff) on the race. Same webhook-id: a receiver that
        // did see the first still drops the repeat.
        if (error instanceof StaleConnectionError) return this.exchange(target, body, headers);
        throw error;
      });
      const durationMs = performance.now() - started;
      if (status >= 200 && status < 300) return { ok: true, httpStatus: status, durationMs };
      return { ok: false, httpStatus: status, error: `HTTP ${status}`, durationMs };
    } catch (error) {
      const durationMs = performance.now() - started;
      if (error instanceof DestinationRefusedError) return { ok: false, error: error.message, durationMs, permanent: true };
      if (error instanceof TimeoutError) return { ok: false, error: `timed out after ${this.options.timeoutMs} ms`, durationMs };
      return { ok: false, error: (error as Error).message, durationMs };
    }
  }

  /** The receiver's status code, once its answer has been read (up to MAX_RESPONSE_BYTES) or the timeout cut it. */
  private exchange(url: URL, body: string, headers: Record<string, string>): Promise<number> {
    const transport = url.protocol === "https:" ? https : url.protocol === "http:" ? http : undefined;
    if (!transport) return Promise.reject(new DestinationRefusedError(`refused: ${url.protocol} is not http or https`));
    const agent = this.agents[url.protocol as "http:" | "https:"];
    return new Promise<number>((resolve, reject) => {
      let answered = false;
      const request = transport.request(url, { method: "POST", agent, headers }, (response) => {
        answered = true;
        let read = 0;
        response.on("data", (chunk: Buffer) => {
          read += chunk.length;
          // The status is all we keep; the rest of a huge body is not worth the connection.
          if (read > MAX_RESPONSE_BYTES) {
            done(undefined, response.statusCode ?? 0);
            request.destroy();
          }
        });
        response.on("end", () => done(undefined, response.statusCode ?? 0));
        response.on("close", () => done(undefined, response.statusCode ?? 0));
        response.on("error", (error) => done(error));
      });
      const timer = setTimeout(() => request.destroy(new TimeoutError()), this.options.timeoutMs);
      let settled = false;
      const done = (error: Error | undefined, status = 0) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(status);
      };
      request.on("error", (error: NodeJS.ErrnoException) => {
        const stale = request.reusedSocket && !answered && (error.code === "ECONNRESET" || error.code === "EPIPE");
        done(stale ? new StaleConnectionError(error.message, { cause: error }) : error);
      });
      request.end(body);
    });
  }
}

import http from "node:http";
import https from "node:https";
import axios, { type AxiosInstance } from "axios";
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

/**
 * POSTs signed webhooks (Standard Webhooks headers). The `webhook-id` is the
 * delivery's, the same on every retry, so receivers can drop repeats.
 */
export class WebhookSender {
  private readonly http: AxiosInstance;

  constructor(private readonly options: WebhookSenderOptions) {
    this.http = axios.create({
      timeout: options.timeoutMs,
      maxRedirects: 0,
      validateStatus: () => true,
      httpAgent: guardAgent(new http.Agent({ keepAlive: true }), options.allowedHosts),
      httpsAgent: guardAgent(new https.Agent({ keepAlive: true }), options.allowedHosts),
      transitional: { clarifyTimeoutError: true },
    });
  }

  async send(context: DeliveryContext, url: string, secret: string): Promise<SendResult> {
    return this.post(url, secret, `msg_${context.deliveryId}`, webhookBody(context));
  }

  /** POSTs one signed message: `id` is its `webhook-id`, the same on every retry. */
  async post(url: string, secret: string, id: string, body: string): Promise<SendResult> {
    const started = performance.now();
    try {
      const response = await this.http.post(url, body, {
        headers: {
          "content-type": "application/json",
          "user-agent": "Herald-Webhooks/1",
          ...webhookHeaders(secret, id, body, new Date()),
        },
        responseType: "text",
      });
      const durationMs = performance.now() - started;
      if (response.status >= 200 && response.status < 300) return { ok: true, httpStatus: response.status, durationMs };
      return { ok: false, httpStatus: response.status, error: `HTTP ${response.status}`, durationMs };
    } catch (error) {
      const durationMs = performance.now() - started;
      const cause = (error as { cause?: unknown }).cause ?? error;
      if (cause instanceof DestinationRefusedError) return { ok: false, error: cause.message, durationMs, permanent: true };
      const code = (error as { code?: string }).code;
      const message =
        code === "ETIMEDOUT" || code === "ECONNABORTED" ? `timed out after ${this.options.timeoutMs} ms` : (error as Error).message;
      return { ok: false, error: message, durationMs };
    }
  }
}

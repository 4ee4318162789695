import { api } from "./clients";
import { WebhookReceiver } from "./receivers";

/** A webhook subscription as creation answers it: its id and the secret shown only then. */
export interface CreatedSubscription {
  readonly id: string;
  readonly secret: string;
}

/** Creates a webhook subscription on ingest with a service token of scope events:subscribe; anything but 201 throws. */
export async function createSubscription(
  ingest: string,
  token: string,
  body: { readonly url: string; readonly eventTypes: readonly string[] } & Record<string, unknown>,
): Promise<CreatedSubscription> {
  const res = await api(ingest, token, "POST", "/api/v1/subscriptions", body);
  if (res.status !== 201) throw new Error(`POST /api/v1/subscriptions answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as CreatedSubscription;
}

/** The receivers a suite starts, each answering as `respond` says, all stopped together at its end. */
export class ReceiverPool {
  private readonly started: WebhookReceiver[] = [];

  async start(respond?: (index: number) => number): Promise<WebhookReceiver> {
    const receiver = await new WebhookReceiver(respond).start();
    this.started.push(receiver);
    return receiver;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.started.map((r) => r.stop()));
  }
}

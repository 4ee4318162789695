import { api } from "../../support/clients";
import { WebhookReceiver } from "../../support/receivers";
import { userToken } from "../../support/tokens";

export type Answer = number | "hang";

/**
 * A real webhook endpoint whose answer the scenario switches (500 or no
 * answer at all while "down", then 200), remembering each one.
 */
export class ScriptedReceiver {
  readonly answers: Answer[] = [];
  readonly receiver: WebhookReceiver;

  private constructor(answer: (index: number) => Answer) {
    this.receiver = new WebhookReceiver((index) => (this.answers[index] = answer(index)));
  }

  static async start(answer: (index: number) => Answer): Promise<ScriptedReceiver> {
    const scripted = new ScriptedReceiver(answer);
    await scripted.receiver.start();
    return scripted;
  }

  get requests() {
    return this.receiver.requests;
  }

  url(user: string): string {
    return this.receiver.url("127.0.0.1", `/hooks/${encodeURIComponent(user)}`);
  }

  stop(): Promise<void> {
    return this.receiver.stop();
  }
}

/** Through the gateway's REST API, as a user would: their webhook URL, and `type` notifications in-app and by webhook. */
export async function subscribeWebhook(gatewayUrl: string, user: string, url: string, type = "job.failed"): Promise<void> {
  const token = userToken(user);
  const settings = await api(gatewayUrl, token, "PUT", "/api/v1/notifications/settings", { webhookUrl: url });
  if (settings.status !== 200) throw new Error(`settings for ${user}: ${settings.status} ${JSON.stringify(settings.body)}`);
  const prefs = await api(gatewayUrl, token, "PUT", `/api/v1/notifications/preferences/${type}`, { channels: ["in_app", "webhook"] });
  if (prefs.status !== 200) throw new Error(`preferences for ${user}: ${prefs.status} ${JSON.stringify(prefs.body)}`);
}

import { randomBytes } from "node:crypto";

/** A Standard Webhooks signing secret: `whsec_` and 32 random bytes, base64 (users' webhooks and subscriptions alike). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

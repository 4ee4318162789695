/**
 * External channels: each delivery on one is a `deliveries` row and a queue job. `email` and
 * `webhook` deliver a notification to its user; `subscription` an event to a webhook
 * subscription (on the webhook queue, with the webhook retry policy).
 */
export const EXTERNAL_CHANNELS = ["email", "webhook", "subscription"] as const;
export type ExternalChannel = (typeof EXTERNAL_CHANNELS)[number];

/**
 * Where an external delivery stands, as the operator API reports it. `waiting`: a replay's
 * delivery whose turn has not come (a replay sends its events one after another, in order).
 */
export const DELIVERY_STATUSES = ["queued", "delivered", "dead_lettered", "skipped", "waiting"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

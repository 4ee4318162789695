/** External channels: each delivery of a notification on one is a `deliveries` row and a queue job. */
export const EXTERNAL_CHANNELS = ["email", "webhook"] as const;
export type ExternalChannel = (typeof EXTERNAL_CHANNELS)[number];

/** Where an external delivery stands, as the operator API reports it. */
export const DELIVERY_STATUSES = ["queued", "delivered", "dead_lettered", "skipped"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

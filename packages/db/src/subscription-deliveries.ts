import { SUBSCRIPTION_CHANNEL } from "@herald/contract";
import type { Database } from "./client";
import type { QueuedDelivery } from "./notification-lifecycle";

/** An event a router matched to a subscription, with what proves the stored event is this one. */
export interface SubscriptionMatch {
  readonly eventId: string;
  readonly subscriptionId: string;
  readonly tenant: string;
  /** The event's producer as the stream carries it (null for none). */
  readonly producer: string | null;
}

/**
 * Creates the live delivery of each matched event to each subscription, in
 * one statement whatever the number of matches, and returns every one of
 * them still queued, created now or by an attempt that died before its jobs
 * were queued. The unique (subscription, event, replay) key makes a
 * redelivered batch, or two routers, insert nothing twice. A match counts
 * only for the event as stored (same tenant and producer: an event refused
 * for reusing another producer's id gets nothing) and for a subscription
 * still there and active (deleted or paused since the router loaded its
 * index: nothing).
 */
export async function createSubscriptionDeliveries(db: Database, matches: readonly SubscriptionMatch[]): Promise<QueuedDelivery[]> {
  if (matches.length === 0) return [];
  // Prepared once per connection (PREPARED_STATEMENT_MARK): one text, run every batch that has matches.
  const rows = await db.$queryRaw<{ id: bigint; round: number }[]>`/* prepared */
    WITH m AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(matches)}::jsonb)
        AS m("eventId" text, "subscriptionId" text, tenant text, producer text)
    ),
    created AS (
      INSERT INTO deliveries (subscription_id, event_id, channel)
      SELECT m."subscriptionId", m."eventId", ${SUBSCRIPTION_CHANNEL}
      FROM m
      JOIN events e ON e.id = m."eventId" AND e.tenant_id = m.tenant AND e.producer IS NOT DISTINCT FROM m.producer
      JOIN subscriptions s ON s.id = m."subscriptionId" AND s.tenant_id = m.tenant AND s.status = 'active'
      ORDER BY e.seq, m."subscriptionId"
      ON CONFLICT (subscription_id, event_id, replay_id) WHERE subscription_id IS NOT NULL DO NOTHING
      RETURNING id, round
    )
    SELECT id, round FROM created
    UNION ALL
    SELECT d.id, d.round FROM deliveries d JOIN m ON d.subscription_id = m."subscriptionId" AND d.event_id = m."eventId"
    WHERE d.replay_id IS NULL AND d.status = 'queued'
    ORDER BY id`;
  return rows.map((r) => ({ id: String(r.id), channel: SUBSCRIPTION_CHANNEL, round: r.round }));
}

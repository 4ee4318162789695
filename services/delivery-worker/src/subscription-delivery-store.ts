import type { Database } from "@herald/db";
import { BATCHING } from "./delivery-store";
import { isUnreachable } from "./postgres-outage";
import { StatementBatcher } from "./statement-batcher";

/** Everything one attempt at a subscription's delivery needs, read in one query. */
export interface SubscriptionDeliveryContext {
  readonly deliveryId: string;
  readonly channel: "subscription";
  readonly status: string;
  readonly round: number;
  readonly url: string;
  readonly secret: string;
  /** The replay that made it; null for the live delivery. */
  readonly replayId: string | null;
  readonly event: {
    readonly id: string;
    readonly type: string;
    readonly tenantId: string;
    readonly occurredAt: Date;
    readonly actorUserId: string | null;
    readonly projectId: string | null;
    readonly source: { readonly type: string; readonly id: string } | null;
    readonly payload: unknown;
  };
}

interface Row {
  ord: bigint;
  id: bigint;
  status: string;
  round: number;
  url: string;
  secret: string;
  replay_id: string | null;
  event_id: string;
  type: string;
  tenant_id: string;
  occurred_at: Date;
  actor_user_id: string | null;
  project_id: string | null;
  source_type: string | null;
  source_id: string | null;
  payload: unknown;
}

/**
 * What a subscription's receiver gets (contract, "Event subscriptions"): the
 * event as published, with its tenant, and `replayed: true` when a replay
 * sends it again.
 */
export function subscriptionBody(context: SubscriptionDeliveryContext): string {
  const e = context.event;
  return JSON.stringify({
    id: e.id,
    type: e.type,
    tenantId: e.tenantId,
    occurredAt: e.occurredAt.toISOString(),
    actorUserId: e.actorUserId,
    projectId: e.projectId,
    source: e.source,
    payload: e.payload,
    ...(context.replayId !== null && { replayed: true }),
  });
}

/**
 * The `webhook-id` receivers de-duplicate by: the event id for the live
 * delivery (the same on every retry), `replay_<replayId>_<eventId>` for a
 * replay's, so that a replay is not taken for a repeat of what was received.
 */
export function subscriptionMessageId(context: SubscriptionDeliveryContext): string {
  return context.replayId === null ? context.event.id : `replay_${context.replayId}_${context.event.id}`;
}

/**
 * Reads subscription deliveries; their attempts and outcomes are recorded by
 * DeliveryStore like every delivery's. Loads of the jobs in hand go as one
 * statement, as DeliveryStore's do (see StatementBatcher).
 */
export class SubscriptionDeliveryStore {
  private readonly loads: StatementBatcher<string, SubscriptionDeliveryContext | undefined>;

  constructor(private readonly db: Database) {
    this.loads = new StatementBatcher({ run: (ids) => this.loadMany(ids), retryAlone: (error) => !isUnreachable(error), ...BATCHING });
  }

  /**
   * Undefined when the delivery is gone: its subscription was deleted (its
   * deliveries with it) or retention ended its event, so there is nothing to send.
   */
  load(deliveryId: string): Promise<SubscriptionDeliveryContext | undefined> {
    return this.loads.submit(deliveryId);
  }

  private async loadMany(deliveryIds: readonly string[]): Promise<(SubscriptionDeliveryContext | undefined)[]> {
    // Prepared once per connection (PREPARED_STATEMENT_MARK): one text, run for every batch.
    const rows = await this.db.$queryRaw<Row[]>`/* prepared */
      SELECT wanted.ord, d.id, d.status, d.round, s.url, s.secret, d.replay_id, e.id AS event_id, et.name AS type, e.tenant_id,
             e.occurred_at, e.actor_user_id, e.project_id, e.source_entity_type AS source_type, e.source_entity_id AS source_id, e.payload
      FROM unnest(${deliveryIds}::bigint[]) WITH ORDINALITY AS wanted(id, ord)
      JOIN deliveries d ON d.id = wanted.id
      JOIN subscriptions s ON s.id = d.subscription_id
      JOIN events e ON e.id = d.event_id
      JOIN event_types et ON et.id = e.event_type_id`;
    const contexts: (SubscriptionDeliveryContext | undefined)[] = deliveryIds.map(() => undefined);
    for (const row of rows) contexts[Number(row.ord) - 1] = toContext(row);
    return contexts;
  }
}

function toContext(row: Row): SubscriptionDeliveryContext {
  return {
    deliveryId: String(row.id),
    channel: "subscription",
    status: row.status,
    round: row.round,
    url: row.url,
    secret: row.secret,
    replayId: row.replay_id,
    event: {
      id: row.event_id,
      type: row.type,
      tenantId: row.tenant_id,
      occurredAt: row.occurred_at,
      actorUserId: row.actor_user_id,
      projectId: row.project_id,
      source: row.source_type !== null && row.source_id !== null ? { type: row.source_type, id: row.source_id } : null,
      payload: row.payload,
    },
  };
}

import { toPendingNotification, VISIBLE_UNREAD, type Database, type PendingNotification, type PendingNotificationRow } from "@herald/db";
import { DEFAULT_TENANT, type HeraldEvent } from "@herald/contract";

import type { DecisionDraft, NotificationDraft } from "./route-event";

export interface PersistedBatch {
  /** Stored notifications to dispatch now (in-app and external). */
  readonly pending: readonly PendingNotification[];
  /** Unread count per user after this batch. */
  readonly unreadCounts: ReadonlyMap<string, number>;
  /**
   * Events not stored because their id is already another producer's event
   * (published again after ingest's idempotency TTL): none of their
   * notifications was written; the caller dead-letters them.
   */
  readonly idConflicts: ReadonlySet<string>;
}

type PendingRow = PendingNotificationRow & { fresh: boolean; unread_before: bigint; id_conflict: null };
type PersistRow = PendingRow | { [K in keyof PendingRow]: K extends "id_conflict" ? string : null };

/**
 * Postgres side of routing. A batch of events is written in one transaction
 * with a constant number of statements, whatever the batch or fan-out size:
 * users, events and notifications are each inserted with one set-based
 * statement, and ON CONFLICT makes a redelivered event a no-op.
 */
export class NotificationWriter {
  constructor(private readonly db: Database) {}

  /**
   * Stores a batch in one statement (so atomically, in one round trip): the
   * recipients' user rows, the events and the notifications, each inserted
   * set-wise with ON CONFLICT DO NOTHING. Returns what still has to be pushed
   * to sockets: the rows inserted now plus any stored by an earlier attempt
   * that crashed before pushing them, with each user's unread count.
   */
  async persist(
    events: readonly HeraldEvent[],
    drafts: readonly NotificationDraft[],
    decisions: readonly DecisionDraft[],
  ): Promise<PersistedBatch> {
    // `ord` keeps stream order: ids (and so notification order per user) follow it.
    const eventRows = events.map((e, ord) => ({
      ord,
      id: e.id,
      type: e.type,
      source_type: e.source?.type ?? null,
      source_id: e.source?.id ?? null,
      actor: e.actorUserId ?? null,
      project: e.projectId ?? null,
      producer: e.producer ?? null,
      tenant: e.tenantId ?? DEFAULT_TENANT,
      payload: e.payload,
      occurred_at: e.occurredAt,
    }));
    const draftRows = drafts.map((d, ord) => ({ ...d, ord }));
    const eventIds = events.map((e) => e.id);

    // Sibling data-modifying CTEs share one snapshot: the plain reads of
    // `notifications` below see only rows that existed before this statement,
    // which is exactly the "stored earlier, not yet pushed" set.
    const rows = await this.db.$queryRaw<PersistRow[]>`
      WITH drafts AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(draftRows)}::jsonb)
          AS d("eventId" text, "userId" text, "eventType" text, category text, critical boolean, title text, body text, channels jsonb, status text, ord int)
      ),
      batch AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(eventRows)}::jsonb)
          AS x(id text, type text, source_type text, source_id text, actor text, project text, producer text, tenant text, payload jsonb, occurred_at timestamptz, ord int)
      ),
      -- Stored before, by someone else or for another tenant (a stored NULL producer predates
      -- the column: not provably the same producer, so not trusted with this event's recipients either).
      id_conflicts AS (
        SELECT x.id FROM batch x JOIN events e ON e.id = x.id
        WHERE e.producer IS DISTINCT FROM x.producer OR e.tenant_id <> x.tenant
      ),
      -- Every recipient's user row, created or else locked, in id order (routers lock alike and never
      -- deadlock), before any of their notifications is given an id: the join in "inserted" makes
      -- each row wait for its user's lock, so a user's ids grow in commit order whatever the number of
      -- routers, and a catch-up from a client's last id never misses a row that commits late.
      -- A user key is its tenant's (tenantKey), so the event's tenant is its recipients' too.
      recipients AS (
        INSERT INTO users (id, tenant_id)
        SELECT DISTINCT d."userId", x.tenant FROM drafts d JOIN batch x ON x.id = d."eventId"
        WHERE d."eventId" NOT IN (SELECT id FROM id_conflicts)
        ORDER BY 1
        ON CONFLICT (id) DO UPDATE SET tenant_id = users.tenant_id
        RETURNING id
      ),
      -- Why each candidate did or did not get the event; kept as long as the event (FK cascade).
      new_decisions AS (
        INSERT INTO decision_records (event_id, user_id, relation, outcome, channels, reason)
        SELECT r."eventId", r."userId", r.relation, r.outcome, ARRAY(SELECT jsonb_array_elements_text(r.channels)), r.reason
        FROM jsonb_to_recordset(${JSON.stringify(decisions)}::jsonb)
          AS r("eventId" text, "userId" text, relation text, outcome text, channels jsonb, reason text)
        WHERE r."eventId" NOT IN (SELECT id FROM id_conflicts)
        ON CONFLICT (event_id, user_id) DO NOTHING
      ),
      new_events AS (
        INSERT INTO events (id, event_type_id, source_entity_type, source_entity_id, actor_user_id, project_id, producer, tenant_id, payload, occurred_at)
        SELECT x.id, et.id, x.source_type, x.source_id, x.actor, x.project, x.producer, x.tenant, x.payload, x.occurred_at
        FROM batch x
        JOIN event_types et ON et.name = x.type
        ORDER BY x.ord
        ON CONFLICT (id) DO NOTHING
      ),
      inserted AS (
        INSERT INTO notifications (event_id, user_id, event_type, category, critical, title, body, channels, status)
        SELECT d."eventId", d."userId", d."eventType", d.category, d.critical, d.title, d.body,
               ARRAY(SELECT jsonb_array_elements_text(d.channels)), d.status
        FROM drafts d JOIN recipients r ON r.id = d."userId"
        WHERE d."eventId" NOT IN (SELECT id FROM id_conflicts)
        ORDER BY d.ord
        ON CONFLICT (event_id, user_id) DO NOTHING
        RETURNING id, event_id, user_id, event_type, category, critical, title, body, created_at, channels, status
      ),
      to_push AS (
        SELECT id, event_id, user_id, event_type, category, critical, title, body, created_at, channels, true AS fresh FROM inserted
        WHERE status = 'pending'
        UNION ALL
        SELECT id, event_id, user_id, event_type, category, critical, title, body, created_at, channels, false AS fresh FROM notifications
        WHERE event_id = ANY(${eventIds}::text[]) AND status = 'pending'
      ),
      unread_before AS (
        SELECT user_id, count(*) AS n FROM notifications
        WHERE user_id IN (SELECT user_id FROM to_push) AND ${VISIBLE_UNREAD}
        GROUP BY user_id
      )
      SELECT p.*, COALESCE(e.payload, x.payload) AS payload, COALESCE(u.n, 0) AS unread_before, NULL AS id_conflict
      FROM to_push p
      LEFT JOIN events e ON e.id = p.event_id
      LEFT JOIN batch x ON x.id = p.event_id
      LEFT JOIN unread_before u ON u.user_id = p.user_id
      UNION ALL
      -- One marker row per refused event, so that the answer stays one round trip.
      SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, id FROM id_conflicts
      ORDER BY id NULLS LAST`;

    const idConflicts = new Set<string>();
    const pushRows: PendingRow[] = [];
    for (const row of rows) {
      if (row.id_conflict !== null) idConflicts.add(row.id_conflict);
      else pushRows.push(row);
    }
    const unreadCounts = new Map<string, number>();
    for (const row of pushRows) {
      // In-app rows inserted by this statement are unread but not yet in `unread_before`.
      const sofar = unreadCounts.get(row.user_id) ?? Number(row.unread_before);
      unreadCounts.set(row.user_id, sofar + (row.fresh && row.channels.includes("in_app") ? 1 : 0));
    }
    return { pending: pushRows.map(toPendingNotification), unreadCounts, idConflicts };
  }
}

import type { Database } from "@herald/db";
import type { HeraldEvent, NotificationMessage, EventCategory, EventTypeName } from "@herald/core";
import type { NotificationDraft } from "./route-event";

/** A stored notification that still has to be pushed to the user's sockets. */
export type PendingPush = Omit<NotificationMessage, "unreadCount"> & { readonly userId: string };

export interface PersistedBatch {
  readonly pushes: readonly PendingPush[];
  /** Unread count per user after this batch. */
  readonly unreadCounts: ReadonlyMap<string, number>;
}

interface PushRow {
  id: bigint;
  event_id: string;
  user_id: string;
  event_type: string;
  category: string;
  critical: boolean;
  title: string;
  body: string;
  created_at: Date;
  payload: Record<string, unknown>;
}

/**
 * Postgres side of routing. A batch of events is written in one transaction
 * with a constant number of statements, whatever the batch or fan-out size:
 * users, events and notifications are each inserted with one set-based
 * statement, and ON CONFLICT makes a redelivered event a no-op.
 */
export class NotificationStore {
  constructor(private readonly db: Database) {}

  async adminIds(): Promise<string[]> {
    const rows = await this.db.$queryRaw<{ id: string }[]>`SELECT id FROM users WHERE role = 'admin' ORDER BY id`;
    return rows.map((r) => r.id);
  }

  async persist(events: readonly HeraldEvent[], drafts: readonly NotificationDraft[]): Promise<PersistedBatch> {
    // `ord` keeps stream order: ids (and so notification order per user) follow it.
    const eventRows = events.map((e, ord) => ({
      ord,
      id: e.id,
      type: e.type,
      source_type: e.source?.type ?? null,
      source_id: e.source?.id ?? null,
      actor: e.actorUserId ?? null,
      project: e.projectId ?? null,
      payload: e.payload,
      occurred_at: e.occurredAt,
    }));
    const userIds = [...new Set(drafts.map((d) => d.userId))];
    const eventIds = events.map((e) => e.id);

    return this.db.$transaction(async (tx) => {
      if (userIds.length > 0) {
        await tx.$executeRaw`INSERT INTO users (id) SELECT unnest(${userIds}::text[]) ON CONFLICT (id) DO NOTHING`;
      }
      await tx.$executeRaw`
        INSERT INTO events (id, event_type_id, source_entity_type, source_entity_id, actor_user_id, project_id, payload, occurred_at)
        SELECT x.id, et.id, x.source_type, x.source_id, x.actor, x.project, x.payload, x.occurred_at
        FROM jsonb_to_recordset(${JSON.stringify(eventRows)}::jsonb)
          AS x(id text, type text, source_type text, source_id text, actor text, project text, payload jsonb, occurred_at timestamptz, ord int)
        JOIN event_types et ON et.name = x.type
        ORDER BY x.ord
        ON CONFLICT (id) DO NOTHING`;
      if (drafts.length > 0) {
        await tx.$executeRaw`
          INSERT INTO notifications (event_id, user_id, event_type, category, critical, title, body, channels)
          SELECT d."eventId", d."userId", d."eventType", d.category, d.critical, d.title, d.body,
                 ARRAY(SELECT jsonb_array_elements_text(d.channels))
          FROM jsonb_to_recordset(${JSON.stringify(drafts.map((d, ord) => ({ ...d, ord })))}::jsonb)
            AS d("eventId" text, "userId" text, "eventType" text, category text, critical boolean, title text, body text, channels jsonb, ord int)
          ORDER BY d.ord
          ON CONFLICT (event_id, user_id) DO NOTHING`;
      }
      // Includes rows stored by an earlier attempt that crashed before pushing them.
      const rows = await tx.$queryRaw<PushRow[]>`
        SELECT n.id, n.event_id, n.user_id, n.event_type, n.category, n.critical, n.title, n.body, n.created_at, e.payload
        FROM notifications n JOIN events e ON e.id = n.event_id
        WHERE n.event_id = ANY(${eventIds}::text[]) AND NOT n.is_delivered AND 'in_app' = ANY(n.channels)
        ORDER BY n.id`;
      const pushUsers = [...new Set(rows.map((r) => r.user_id))];
      const counts =
        pushUsers.length === 0
          ? []
          : await tx.$queryRaw<{ user_id: string; count: bigint }[]>`
              SELECT user_id, count(*) AS count FROM notifications
              WHERE user_id = ANY(${pushUsers}::text[]) AND NOT is_read GROUP BY user_id`;
      return {
        pushes: rows.map(toPendingPush),
        unreadCounts: new Map(counts.map((c) => [c.user_id, Number(c.count)])),
      };
    });
  }

  async markPushed(notificationIds: readonly number[]): Promise<void> {
    if (notificationIds.length === 0) return;
    await this.db.$executeRaw`
      UPDATE notifications SET is_delivered = true, delivered_at = now()
      WHERE id = ANY(${notificationIds.map(String)}::bigint[]) AND NOT is_delivered`;
  }
}

function toPendingPush(row: PushRow): PendingPush {
  return {
    id: Number(row.id),
    eventId: row.event_id,
    userId: row.user_id,
    type: row.event_type as EventTypeName,
    category: row.category as EventCategory,
    critical: row.critical,
    title: row.title,
    body: row.body,
    payload: row.payload,
    createdAt: row.created_at.toISOString(),
  };
}

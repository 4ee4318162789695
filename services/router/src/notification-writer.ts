import {
  Prisma,
  throttleWindowStart,
  toPendingNotification,
  type Database,
  type PendingNotification,
  type PendingNotificationRow,
} from "@herald/db";
import { DEFAULT_TENANT, type HeraldEvent } from "@herald/contract";

import { GROUP_ITEM_LIMIT } from "./group-notifications";
import { GROUPED_REASON, type DecisionDraft, type NotificationDraft } from "./route-event";

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

/** `batch_payload`: the payload is the batch's event's (NULL in the row; persist fills it in). */
type PendingRow = PendingNotificationRow & {
  fresh: boolean;
  current: boolean;
  batch_payload: boolean;
  unread_before: bigint;
  id_conflict: null;
};
type PersistRow = PendingRow | { [K in keyof PendingRow]: K extends "id_conflict" ? string : null };

/**
 * Postgres side of routing. A batch of events is written in one transaction
 * with a constant number of statements, whatever the batch or fan-out size:
 * users, events and notifications are each inserted with one set-based
 * statement, and ON CONFLICT makes a redelivered event a no-op.
 */
/** In the grouping upsert: the incoming events' latest is at least as recent as the group's (isLatest). */
const NEWER = Prisma.sql`COALESCE(EXCLUDED.payload->'items'->0->>'occurredAt', '') >= COALESCE(n.payload->'items'->0->>'occurredAt', '')`;

/** A throttled decision's reason, `%s` the tenant's limit. */
const THROTTLED_REASON =
  "throttled: past your organization's limit of %s notifications per hour, stored in your list but not pushed or sent; a summary follows when the hour is over";

/** A silenced alert repeat's decision reason. */
const SILENCED_REASON = "acknowledged: a repeat of an alert an admin acknowledged, stored but not pushed until it resolves or escalates";

/** What the writer needs of a database: the client, or one interactive transaction's (a fan-out chunk's). */
export type Queryable = Pick<Database, "$queryRaw">;

export interface PersistOptions {
  /**
   * Events stored before whose grouped drafts are new all the same: a large
   * fan-out's chunks (its event is stored when accepted). Grouped upserts are
   * otherwise only applied for events stored by this statement, so that a
   * redelivered batch counts nothing twice; a chunk is written once because
   * its cursor moves in the same transaction.
   */
  readonly freshEventIds?: readonly string[];
}

export class NotificationWriter {
  constructor(
    private readonly db: Queryable,
    /** GROUP_WINDOW_MS: how long after its first event a group takes more. */
    private readonly groupWindowMs: number,
    /** THROTTLE_WINDOW_MS: the per-user throttle's window. */
    private readonly throttleWindowMs: number,
  ) {}

  /** The same writer on another connection (a transaction's). */
  within(db: Queryable): NotificationWriter {
    return new NotificationWriter(db, this.groupWindowMs, this.throttleWindowMs);
  }

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
    now: Date = new Date(),
    options: PersistOptions = {},
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
    const plainRows: (NotificationDraft & { ord: number })[] = [];
    const groupRows: (NotificationDraft & { ord: number })[] = [];
    drafts.forEach((d, ord) => (d.groupKey === null ? plainRows : groupRows).push({ ...d, ord }));
    const eventIds = events.map((e) => e.id);
    // A group opened before this is closed: its next event opens a new notification.
    const windowStart = new Date(now.getTime() - this.groupWindowMs);
    const throttleStart = throttleWindowStart(now, this.throttleWindowMs);

    // Sibling data-modifying CTEs share one snapshot: the plain reads of
    // `notifications` below see only rows that existed before this statement,
    // which is exactly the "stored earlier, not yet pushed" set.
    // Prepared once per connection (PREPARED_STATEMENT_MARK): planning this statement cost a third of its time.
    const rows = await this.db.$queryRaw<PersistRow[]>`/* prepared */
      WITH raw_drafts AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(plainRows)}::jsonb)
          AS d("eventId" text, "userId" text, "eventType" text, category text, critical boolean, title text, body text, channels jsonb,
               status text, url text, actions jsonb, "alertId" text, severity text, resolved boolean, ord int)
      ),
      group_drafts AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(groupRows)}::jsonb)
          AS d("eventId" text, "userId" text, "eventType" text, category text, critical boolean, title text, body text, channels jsonb,
               status text, url text, actions jsonb, count int, "groupKey" text, "groupSummary" text, windowed boolean,
               payload jsonb, items jsonb, "lastEventId" text, ord int)
      ),
      batch AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(eventRows)}::jsonb)
          AS x(id text, type text, source_type text, source_id text, actor text, project text, producer text, tenant text, payload jsonb, occurred_at timestamptz, ord int)
      ),
      -- The per-user throttle (tenant_settings, read here so that a change applies to the next batch):
      -- past the limit within the window, a non-critical notification to deliver now is stored
      -- throttled, listed and counted but neither pushed nor sent. Counted: what the user got this
      -- window (grouped updates add none), then this batch's, in order.
      limits AS (
        SELECT tenant_id, max_notifications_per_user_per_hour AS max FROM tenant_settings
        WHERE tenant_id IN (SELECT tenant FROM batch) AND max_notifications_per_user_per_hour > 0
      ),
      window_counts AS (
        SELECT n.user_id, count(*) AS n FROM notifications n
        WHERE n.user_id = ANY(ARRAY(SELECT DISTINCT d."userId" FROM raw_drafts d JOIN batch x ON x.id = d."eventId" JOIN limits l ON l.tenant_id = x.tenant))
          AND n.created_at >= ${throttleStart} AND NOT n.critical AND n.event_type <> 'throttled'
          AND n.status IN ('pending', 'released', 'delivered', 'throttled', 'summarized')
        GROUP BY n.user_id
      ),
      drafts AS (
        SELECT d."eventId", d."userId", d."eventType", d.category, d.critical, d.title, d.body, d.channels, d.url, d.actions, d.ord, l.max,
               -- A firing repeat of an alert an admin acknowledged at this severity (or higher) is stored, not pushed.
               CASE WHEN d.status = 'pending' AND d."alertId" IS NOT NULL AND NOT d.resolved AND EXISTS (
                         SELECT 1 FROM alert_acknowledgements a
                         WHERE a.tenant_id = x.tenant AND a.alert_id = d."alertId" AND (a.severity = 'critical' OR d.severity = 'warning'))
                    THEN 'silenced'
                    WHEN d.status = 'pending' AND NOT d.critical AND l.max IS NOT NULL
                         AND COALESCE(c.n, 0) + count(*) FILTER (WHERE d.status = 'pending' AND NOT d.critical)
                             OVER (PARTITION BY d."userId" ORDER BY d.ord) > l.max
                    THEN 'throttled' ELSE d.status END AS status
        FROM raw_drafts d
        -- One row per event id: a stream entry delivered twice in a batch must not double its drafts.
        JOIN (SELECT DISTINCT id, tenant FROM batch) x ON x.id = d."eventId"
        LEFT JOIN limits l ON l.tenant_id = x.tenant
        LEFT JOIN window_counts c ON c.user_id = d."userId"
      ),
      -- Stored before, by someone else or for another tenant (a stored NULL producer predates
      -- the column: not provably the same producer, so not trusted with this event's recipients either).
      id_conflicts AS (
        SELECT x.id FROM batch x JOIN events e ON e.id = x.id
        WHERE e.producer IS DISTINCT FROM x.producer OR e.tenant_id <> x.tenant
      ),
      -- Every recipient's user row, created or else locked, in id order (routers lock alike and never
      -- deadlock), before any of their notifications is given an id ("inserted" and "grouped" run it
      -- to its end first, through a scalar subquery), so a user's ids grow in commit order whatever
      -- the number of routers, and a catch-up from a client's last id never misses a row that commits
      -- late. DO UPDATE … WHERE false locks an existing row and writes no new version of it (an update
      -- of every recipient's row in every batch did); RETURNING then names only the rows created.
      -- A user key is its tenant's (tenantKey), so the event's tenant is its recipients' too.
      recipients AS (
        INSERT INTO users (id, tenant_id)
        SELECT DISTINCT d."userId", x.tenant FROM (SELECT "eventId", "userId" FROM drafts UNION ALL SELECT "eventId", "userId" FROM group_drafts) d
        JOIN batch x ON x.id = d."eventId"
        WHERE d."eventId" NOT IN (SELECT id FROM id_conflicts)
        ORDER BY 1
        ON CONFLICT (id) DO UPDATE SET tenant_id = users.tenant_id WHERE false
        RETURNING id
      ),
      new_events AS (
        INSERT INTO events (id, event_type_id, source_entity_type, source_entity_id, actor_user_id, project_id, producer, tenant_id, payload, occurred_at)
        SELECT x.id, et.id, x.source_type, x.source_id, x.actor, x.project, x.producer, x.tenant, x.payload, x.occurred_at
        FROM batch x
        JOIN event_types et ON et.name = x.type
        ORDER BY x.ord
        ON CONFLICT (id) DO NOTHING
        RETURNING id
      ),
      inserted AS (
        INSERT INTO notifications (event_id, user_id, event_type, category, critical, title, body, channels, status, url, actions, last_event_id)
        SELECT d."eventId", d."userId", d."eventType", d.category, d.critical, d.title, d.body,
               ARRAY(SELECT jsonb_array_elements_text(d.channels)), d.status, d.url, d.actions, d."eventId"
        FROM drafts d
        WHERE d."eventId" NOT IN (SELECT id FROM id_conflicts) AND (SELECT count(*) FROM recipients) >= 0
        ORDER BY d.ord
        ON CONFLICT (event_id, user_id) DO NOTHING
        RETURNING id, event_id, user_id, event_type, category, critical, title, body, created_at, channels, status, count, url, actions
      ),
      -- Groups whose window is over are closed (their key let go) before this batch's events join
      -- theirs; a job's progress (not windowed) stays one notification until it is read.
      closed AS (
        UPDATE notifications n SET group_key = NULL
        FROM group_drafts g
        WHERE g.windowed AND n.user_id = g."userId" AND n.event_type = g."eventType" AND n.group_key = g."groupKey"
          AND NOT n.is_read AND n.created_at <= ${windowStart}
        RETURNING n.id
      ),
      -- A group's events join its open notification, or open one: the unique index on the open group
      -- makes two routers that store one group at once meet on one row (the second waits, then updates).
      -- Only events stored now count (a redelivered batch's were counted when first stored), and
      -- closed must be done first (the scalar subquery runs it before any row is inserted).
      grouped AS (
        INSERT INTO notifications AS n (event_id, user_id, event_type, category, critical, title, body, channels, status, url, actions,
                                        count, group_key, group_summary, payload, last_event_id)
        SELECT d."eventId", d."userId", d."eventType", d.category, d.critical, d.title, d.body,
               ARRAY(SELECT jsonb_array_elements_text(d.channels)), d.status, d.url, d.actions,
               d.count, d."groupKey", d."groupSummary", d.payload || jsonb_build_object('items', d.items), d."lastEventId"
        FROM group_drafts d
        WHERE (d."eventId" IN (SELECT id FROM new_events) OR d."eventId" = ANY(${options.freshEventIds ?? []}::text[]))
          AND (SELECT count(*) FROM recipients) >= 0 AND (SELECT count(*) FROM closed) >= 0
        ORDER BY d."userId", d."eventType", d."groupKey"
        -- The latest event by occurredAt (ISO text; several routers may store a group out of order) gives
        -- the body, payload, link and actions; items stay newest first (latestItems, the same order).
        ON CONFLICT (user_id, event_type, group_key) WHERE group_key IS NOT NULL AND NOT is_read DO UPDATE SET
          count = n.count + EXCLUDED.count,
          title = CASE WHEN EXCLUDED.group_summary IS NULL THEN
                         CASE WHEN ${NEWER} THEN EXCLUDED.title ELSE n.title END
                       ELSE (n.count + EXCLUDED.count)::text || ' ' || EXCLUDED.group_summary END,
          body = CASE WHEN ${NEWER} THEN EXCLUDED.body ELSE n.body END,
          payload = (CASE WHEN ${NEWER} THEN EXCLUDED.payload ELSE n.payload END) || jsonb_build_object('items', (
            SELECT COALESCE(jsonb_agg(i.item ORDER BY i.item->>'occurredAt' DESC, i.k), '[]'::jsonb) FROM (
              SELECT item, k FROM jsonb_array_elements(COALESCE(EXCLUDED.payload->'items', '[]'::jsonb) || COALESCE(n.payload->'items', '[]'::jsonb))
                WITH ORDINALITY AS t(item, k)
              ORDER BY item->>'occurredAt' DESC, k LIMIT ${GROUP_ITEM_LIMIT}) AS i)),
          url = CASE WHEN ${NEWER} THEN EXCLUDED.url ELSE n.url END,
          actions = CASE WHEN ${NEWER} THEN EXCLUDED.actions ELSE n.actions END,
          last_event_id = EXCLUDED.last_event_id,
          -- Pushed again (same id, new count); its external deliveries exist already, so none is sent twice.
          status = CASE WHEN n.status = 'delivered' THEN 'pending' ELSE n.status END
        RETURNING id, event_id, user_id, event_type, category, critical, title, body, created_at, channels, status, count, url, actions,
                  payload, group_key, (xmax::text = '0') AS created
      ),
      -- Why each candidate did or did not get the event; kept as long as the event (FK cascade).
      -- An event that joined a group already open says so.
      new_decisions AS (
        INSERT INTO decision_records (event_id, user_id, relation, outcome, channels, reason)
        SELECT r."eventId", r."userId", r.relation,
               CASE t.status WHEN 'throttled' THEN 'throttled' WHEN 'silenced' THEN 'held'
                    ELSE CASE WHEN g.user_id IS NOT NULL THEN 'grouped' ELSE r.outcome END END,
               CASE WHEN t."userId" IS NOT NULL THEN ARRAY[]::text[] ELSE ARRAY(SELECT jsonb_array_elements_text(r.channels)) END,
               CASE t.status WHEN 'throttled' THEN format(${THROTTLED_REASON}, t.max) WHEN 'silenced' THEN ${SILENCED_REASON}
                    ELSE CASE WHEN g.user_id IS NOT NULL THEN ${GROUPED_REASON} ELSE r.reason END END
        FROM jsonb_to_recordset(${JSON.stringify(decisions)}::jsonb)
          AS r("eventId" text, "userId" text, relation text, outcome text, channels jsonb, reason text, "eventType" text, "groupKey" text)
        LEFT JOIN grouped g ON NOT g.created AND g.user_id = r."userId" AND g.event_type = r."eventType" AND g.group_key = r."groupKey"
        LEFT JOIN drafts t ON t.status IN ('throttled', 'silenced') AND t."eventId" = r."eventId" AND t."userId" = r."userId"
        WHERE r."eventId" NOT IN (SELECT id FROM id_conflicts)
        ON CONFLICT (event_id, user_id) DO NOTHING
      ),
      to_push AS (
        SELECT id, event_id, user_id, event_type, category, critical, title, body, created_at, channels, count, url, actions,
               NULL::jsonb AS own_payload, true AS fresh, true AS current FROM inserted
        WHERE status = 'pending'
        UNION ALL
        SELECT id, event_id, user_id, event_type, category, critical, title, body, created_at, channels, count, url, actions,
               payload, created, true FROM grouped
        WHERE status = 'pending'
        -- One index lookup per event id (OFFSET 0 keeps each a lookup of its own), not a filter: the
        -- planner, whose statistics seldom see a pending row, otherwise walked every pending row in the
        -- index (the batch before's, still being recorded) and tested it against the whole list, 37-65 ms
        -- a batch. The second finds grouped rows a later event updated (a plain row's two ids are one).
        UNION ALL
        SELECT n.* FROM unnest(${eventIds}::text[]) AS b(id) CROSS JOIN LATERAL (
          SELECT id, event_id, user_id, event_type, category, critical, title, body, created_at, channels, count, url, actions,
                 payload, false AS fresh, false AS current FROM notifications
          WHERE event_id = b.id AND status = 'pending' OFFSET 0) AS n
        UNION ALL
        SELECT n.* FROM unnest(${eventIds}::text[]) AS b(id) CROSS JOIN LATERAL (
          SELECT id, event_id, user_id, event_type, category, critical, title, body, created_at, channels, count, url, actions,
                 payload, false AS fresh, false AS current FROM notifications
          WHERE last_event_id = b.id AND status = 'pending' AND event_id IS DISTINCT FROM last_event_id OFFSET 0) AS n
      ),
      -- Stored now, not pushed, but unread and listed: in the count the pushes carry.
      throttled_now AS (
        SELECT user_id, count(*) AS n FROM inserted WHERE status IN ('throttled', 'silenced') AND 'in_app' = ANY(channels) GROUP BY user_id
      )
      SELECT p.id, p.event_id, p.user_id, p.event_type, p.category, p.critical, p.title, p.body, p.created_at, p.channels,
             p.count, p.url, p.actions, p.fresh, p.current,
             -- An event stored by this statement has its payload in the caller's hands: not sent back once per recipient.
             CASE WHEN p.own_payload IS NULL AND e.id IS NULL AND x.id IS NOT NULL THEN NULL ELSE COALESCE(p.own_payload, e.payload) END AS payload,
             (p.own_payload IS NULL AND e.id IS NULL AND x.id IS NOT NULL) AS batch_payload,
             -- Kept by triggers at the end of each statement, so as of before this one, like the reads above
             -- (counting the rows visited each recipient's whole unread history in every batch). Looked up per
             -- row by key: joined, the planner (guessing a few rows of to_push) compared every row with every
             -- user's count, 160 ms a batch of 4,000.
             COALESCE((SELECT c.unread FROM user_unread_counts c WHERE c.user_id = p.user_id), 0) + COALESCE(tn.n, 0) AS unread_before,
             NULL AS id_conflict
      FROM to_push p
      LEFT JOIN events e ON e.id = p.event_id
      LEFT JOIN batch x ON x.id = p.event_id
      LEFT JOIN throttled_now tn ON tn.user_id = p.user_id
      UNION ALL
      -- One marker row per refused event, so that the answer stays one round trip.
      SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, id FROM id_conflicts
      ORDER BY id NULLS LAST`;

    const idConflicts = new Set<string>();
    const byId = new Map<bigint, PendingRow>();
    for (const row of rows) {
      if (row.id_conflict !== null) idConflicts.add(row.id_conflict);
      // A grouped row updated now is also found as "stored earlier, still pending" when it was: as updated, once.
      else if (!byId.has(row.id) || row.current) byId.set(row.id, row);
    }
    const pushRows = [...byId.values()];
    const unreadCounts = new Map<string, number>();
    for (const row of pushRows) {
      // In-app rows inserted by this statement are unread but not yet in `unread_before`; a group updated in place was counted.
      const sofar = unreadCounts.get(row.user_id) ?? Number(row.unread_before);
      unreadCounts.set(row.user_id, sofar + (row.fresh && row.channels.includes("in_app") ? 1 : 0));
    }
    const payloadOf = new Map(events.map((e) => [e.id, e.payload]));
    for (const row of pushRows) if (row.batch_payload && row.event_id !== null) row.payload = payloadOf.get(row.event_id) ?? null;
    return { pending: pushRows.map(toPendingNotification), unreadCounts, idConflicts };
  }
}

import type { RedisClient } from "@herald/runtime";
import type { Queue } from "bullmq";
import type { Database } from "@herald/db";
import { readStreamBacklog, ROUTER_CONSUMER_GROUP } from "@herald/runtime";
import type { DeliveryStatus } from "@herald/contract";

export interface ChannelStatistics {
  readonly channel: string;
  readonly queued: number;
  readonly delivered: number;
  readonly deadLettered: number;
  readonly skipped: number;
  /** delivered / (delivered + dead-lettered); null before anything ended either way. */
  readonly successRate: number | null;
  /** Milliseconds from the notification's creation to its delivery; null without deliveries. */
  readonly p50DeliveryMs: number | null;
  readonly p95DeliveryMs: number | null;
}

export interface EventTypeStatistics {
  readonly eventType: string;
  readonly created: number;
  readonly read: number;
  readonly readRate: number | null;
}

export interface AdminStatistics {
  readonly from: string;
  readonly to: string;
  readonly channels: readonly ChannelStatistics[];
  readonly eventTypes: readonly EventTypeStatistics[];
  /**
   * Installation-wide, not per tenant: what the router has yet to route, and
   * the queues. Null while Redis does not answer (the figures above still do).
   */
  readonly backlog: Backlog | null;
}

export interface Backlog {
  readonly streamLength: number;
  /** Entries not yet read by the router group (Redis' `lag`), and read but not yet acknowledged. */
  readonly routerLag: number | null;
  readonly routerPending: number;
  readonly queues: Readonly<
    Record<string, { readonly waiting: number; readonly active: number; readonly delayed: number; readonly failed: number }>
  >;
}

interface ChannelRow {
  channel: string;
  status: string;
  n: number;
  p50: number | null;
  p95: number | null;
}

interface TypeRow {
  event_type: string;
  created: number;
  read: number;
}

const rate = (part: number, whole: number) => (whole === 0 ? null : part / whole);
const ms = (value: number | null) => (value === null ? null : Math.round(Number(value)));

/**
 * `GET /api/v1/admin/stats`: one tenant's delivery figures for a window, two
 * statements whatever the volume (each an aggregate over the window's rows
 * of the tenant's users), plus the installation's backlog from Redis.
 * In-app is a channel too: a notification is queued until pushed.
 */
export class DeliveryStatistics {
  constructor(
    private readonly db: Database,
    private readonly redis: RedisClient,
    private readonly eventStream: string,
    /** The BullMQ queues whose depths are shown; undefined while their Redis connection is not ready. */
    private readonly queues: () => readonly Queue[] | undefined,
  ) {}

  async of(tenant: string, from: Date, to: Date): Promise<AdminStatistics> {
    const [channels, types, backlog] = await Promise.all([
      this.channels(tenant, from, to),
      this.eventTypes(tenant, from, to),
      this.backlog().catch(() => null),
    ]);
    return { from: from.toISOString(), to: to.toISOString(), channels, eventTypes: types, backlog };
  }

  private async channels(tenant: string, from: Date, to: Date): Promise<ChannelStatistics[]> {
    const rows = await this.db.$queryRaw<ChannelRow[]>`
      WITH external AS (
        SELECT d.channel, d.status, EXTRACT(EPOCH FROM d.delivered_at - n.created_at) * 1000 AS ms
        FROM deliveries d JOIN notifications n ON n.id = d.notification_id JOIN users u ON u.id = d.user_id
        WHERE u.tenant_id = ${tenant} AND n.created_at >= ${from} AND n.created_at < ${to}
      ),
      -- A subscription's deliveries, by the subscription's tenant: times from the delivery's creation.
      subscription AS (
        SELECT d.channel, CASE WHEN d.status = 'waiting' THEN 'queued' ELSE d.status END AS status,
               EXTRACT(EPOCH FROM d.delivered_at - d.created_at) * 1000 AS ms
        FROM subscriptions s JOIN deliveries d ON d.subscription_id = s.id
        WHERE s.tenant_id = ${tenant} AND d.created_at >= ${from} AND d.created_at < ${to}
      ),
      in_app AS (
        SELECT 'in_app'::text AS channel, CASE WHEN n.is_delivered THEN 'delivered' ELSE 'queued' END AS status,
               EXTRACT(EPOCH FROM n.delivered_at - n.created_at) * 1000 AS ms
        FROM notifications n JOIN users u ON u.id = n.user_id
        WHERE u.tenant_id = ${tenant} AND n.created_at >= ${from} AND n.created_at < ${to} AND 'in_app' = ANY(n.channels)
      )
      -- One row per channel and status; the percentiles are read off the delivered rows.
      SELECT channel, status, count(*)::int AS n,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
        percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95
      FROM (SELECT * FROM external UNION ALL SELECT * FROM subscription UNION ALL SELECT * FROM in_app) AS all_channels
      GROUP BY channel, status ORDER BY channel, status`;
    const byChannel = new Map<string, ChannelRow[]>();
    for (const row of rows) byChannel.set(row.channel, [...(byChannel.get(row.channel) ?? []), row]);
    return [...byChannel].map(([channel, groups]) => {
      const count = (status: DeliveryStatus) => groups.find((g) => g.status === status)?.n ?? 0;
      const delivered = groups.find((g) => g.status === "delivered");
      return {
        channel,
        queued: count("queued"),
        delivered: count("delivered"),
        deadLettered: count("dead_lettered"),
        skipped: count("skipped"),
        successRate: rate(count("delivered"), count("delivered") + count("dead_lettered")),
        p50DeliveryMs: ms(delivered?.p50 ?? null),
        p95DeliveryMs: ms(delivered?.p95 ?? null),
      };
    });
  }

  private async eventTypes(tenant: string, from: Date, to: Date): Promise<EventTypeStatistics[]> {
    const rows = await this.db.$queryRaw<TypeRow[]>`
      SELECT n.event_type, count(*)::int AS created, count(*) FILTER (WHERE n.is_read)::int AS read
      FROM notifications n JOIN users u ON u.id = n.user_id
      WHERE u.tenant_id = ${tenant} AND n.created_at >= ${from} AND n.created_at < ${to}
      GROUP BY n.event_type ORDER BY n.event_type`;
    return rows.map((r) => ({ eventType: r.event_type, created: r.created, read: r.read, readRate: rate(r.read, r.created) }));
  }

  private async backlog(): Promise<Backlog | null> {
    const queues = this.queues();
    // Not ready is answered as Redis not answering: no backlog.
    if (!queues) return null;
    const [stream, counts] = await Promise.all([
      readStreamBacklog(this.redis, this.eventStream, ROUTER_CONSUMER_GROUP),
      Promise.all(queues.map(async (q) => [q.name, await q.getJobCounts("waiting", "active", "delayed", "failed")] as const)),
    ]);
    // Before the router first starts there is no group (nor stream): nothing is pending then.
    return {
      streamLength: stream.length,
      routerLag: stream.group?.lag ?? null,
      routerPending: stream.group?.pending ?? 0,
      queues: Object.fromEntries(
        counts.map(([name, c]) => [
          name,
          { waiting: c.waiting ?? 0, active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 },
        ]),
      ),
    };
  }
}

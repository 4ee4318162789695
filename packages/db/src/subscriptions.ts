import { randomBytes } from "node:crypto";
import {
  SUBSCRIPTION_CHANNEL,
  type MatchableSubscription,
  type SubscriptionFilter,
  type SubscriptionOutcome,
  type SubscriptionStatus,
  type SubscriptionView,
} from "@herald/contract";
import type { Database } from "./client";
import type { QueuedDelivery } from "./notification-lifecycle";

type SubscriptionRow = Awaited<ReturnType<Database["subscription"]["findFirstOrThrow"]>>;

/** What creating a subscription takes (validated by the caller: patterns, URL, filter). */
export interface NewSubscription {
  readonly producer: string;
  readonly url: string;
  readonly eventTypes: readonly string[];
  readonly filter?: SubscriptionFilter;
  readonly description?: string;
  readonly secret: string;
}

export interface SubscriptionChange {
  readonly status?: SubscriptionStatus;
  readonly eventTypes?: readonly string[];
  readonly filter?: SubscriptionFilter;
  readonly url?: string;
  readonly description?: string | null;
}

export interface SubscriptionPage {
  readonly items: SubscriptionView[];
  readonly nextCursor: string | null;
}

/** How many recent deliveries `GET /api/v1/subscriptions/:id` shows. */
export const RECENT_OUTCOMES = 20;

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

const randomBase62 = (length: number) => [...randomBytes(length)].map((b) => ALPHABET[b % ALPHABET.length]).join("");

/**
 * `sub_`, the creation time (base 36, fixed width, so ids sort by age and
 * pages follow creation order) and 16 random base62 characters.
 */
export function newSubscriptionId(now = Date.now()): string {
  return `sub_${now.toString(36).padStart(9, "0")}${randomBase62(16)}`;
}

/** A replay's id: 20 random base62 characters (in `webhook-id`s as `replay_<id>_<eventId>`). */
export function newReplayId(): string {
  return randomBase62(20);
}

function filterOf(row: Pick<SubscriptionRow, "projectId" | "sourceType">): SubscriptionFilter {
  return {
    ...(row.projectId !== null && { projectId: row.projectId }),
    ...(row.sourceType !== null && { sourceType: row.sourceType }),
  };
}

function toView(row: SubscriptionRow): SubscriptionView {
  return {
    id: row.id,
    url: row.url,
    eventTypes: row.eventTypes,
    filter: filterOf(row),
    description: row.description,
    status: row.status as SubscriptionStatus,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * The subscriptions table, its one owner: ingest's subscription and operator
 * APIs manage a tenant's rows through `of(tenant)` (another tenant's id is
 * not found), routers read every active one for their index.
 */
export class Subscriptions {
  constructor(private readonly db: Database) {}

  of(tenant: string): TenantSubscriptions {
    return new TenantSubscriptions(this.db, tenant);
  }

  /** Every active subscription of every tenant, as the router's index needs them (one statement). */
  async active(): Promise<MatchableSubscription[]> {
    const rows = await this.db.subscription.findMany({
      where: { status: "active" },
      select: { id: true, tenantId: true, eventTypes: true, projectId: true, sourceType: true },
      orderBy: { id: "asc" },
    });
    return rows.map((r) => ({ id: r.id, tenantId: r.tenantId, eventTypes: r.eventTypes, filter: filterOf(r) }));
  }
}

export class TenantSubscriptions {
  constructor(
    private readonly db: Database,
    readonly tenant: string,
  ) {}

  /** Creates a replay of one of the tenant's subscriptions (createReplay). */
  replay(subscriptionId: string, request: ReplayRequest): Promise<ReplayResult> {
    return createReplay(this.db, this.tenant, subscriptionId, request);
  }

  async create(input: NewSubscription): Promise<SubscriptionView> {
    const row = await this.db.subscription.create({
      data: {
        id: newSubscriptionId(),
        tenantId: this.tenant,
        producer: input.producer,
        url: input.url,
        eventTypes: [...input.eventTypes],
        projectId: input.filter?.projectId ?? null,
        sourceType: input.filter?.sourceType ?? null,
        description: input.description ?? null,
        secret: input.secret,
      },
    });
    return toView(row);
  }

  /** Oldest first (ids sort by creation); the cursor is the last id of a page. */
  async list({ afterId, limit }: { readonly afterId?: string; readonly limit: number }): Promise<SubscriptionPage> {
    const rows = await this.db.subscription.findMany({
      where: { tenantId: this.tenant, ...(afterId !== undefined && { id: { gt: afterId } }) },
      orderBy: { id: "asc" },
      take: limit + 1,
    });
    const page = rows.slice(0, limit);
    return { items: page.map(toView), nextCursor: rows.length > limit ? page.at(-1)!.id : null };
  }

  async get(id: string): Promise<SubscriptionView | undefined> {
    const row = await this.db.subscription.findFirst({ where: { id, tenantId: this.tenant } });
    return row ? toView(row) : undefined;
  }

  /** Its latest deliveries (live and replayed), newest first. */
  async recentOutcomes(id: string, limit = RECENT_OUTCOMES): Promise<SubscriptionOutcome[]> {
    const rows = await this.db.delivery.findMany({
      where: { subscriptionId: id, channel: SUBSCRIPTION_CHANNEL, subscription: { tenantId: this.tenant } },
      orderBy: { id: "desc" },
      take: limit,
    });
    return rows.map((d) => ({
      deliveryId: String(d.id),
      eventId: d.eventId!,
      replayId: d.replayId,
      status: d.status,
      attempts: d.attempts,
      lastResponse: d.lastResponse,
      lastError: d.lastError,
      createdAt: d.createdAt.toISOString(),
      updatedAt: d.updatedAt.toISOString(),
    }));
  }

  /** Applies the change (a `filter` replaces the whole filter); undefined when the tenant has no such subscription. */
  async update(id: string, change: SubscriptionChange): Promise<SubscriptionView | undefined> {
    const data = {
      ...(change.status !== undefined && { status: change.status }),
      ...(change.eventTypes !== undefined && { eventTypes: [...change.eventTypes] }),
      ...(change.filter !== undefined && { projectId: change.filter.projectId ?? null, sourceType: change.filter.sourceType ?? null }),
      ...(change.url !== undefined && { url: change.url }),
      ...(change.description !== undefined && { description: change.description }),
    };
    // One statement scoped by tenant: another tenant's id matches no row.
    const { count } = await this.db.subscription.updateMany({ where: { id, tenantId: this.tenant }, data });
    return count === 0 ? undefined : this.get(id);
  }

  /** Deletes it and its deliveries (a queued job then finds nothing and sends nothing); false when the tenant has no such subscription. */
  async delete(id: string): Promise<boolean> {
    const { count } = await this.db.subscription.deleteMany({ where: { id, tenantId: this.tenant } });
    return count > 0;
  }
}

/** What a replay asks for: events of the window (inclusive), of these types, in the subscription's filter. */
export interface ReplayRequest {
  readonly replayId: string;
  readonly from: Date;
  readonly to: Date;
  /** Type names (typesMatching of the subscription's patterns, narrowed by the request's). */
  readonly types: readonly string[];
  readonly filter: SubscriptionFilter;
  /** More matching events than this and nothing is replayed. */
  readonly maxEvents: number;
}

export type ReplayResult =
  | { readonly kind: "created"; readonly events: number; readonly first?: QueuedDelivery }
  | { readonly kind: "too_many"; readonly maxEvents: number };

/**
 * Creates a replay's deliveries in one statement: one per stored event of
 * the tenant in the window that matches, numbered in `occurredAt` order
 * (ingest order among equals), the first queued and the others waiting
 * their turn (the delivery-worker's ReplayChain queues each after the one
 * before settles). Past `maxEvents` matches it creates nothing.
 */
export async function createReplay(db: Database, tenant: string, subscriptionId: string, request: ReplayRequest): Promise<ReplayResult> {
  const [row] = await db.$queryRaw<{ matched: number; first_id: bigint | null; first_round: number | null }[]>`
    WITH picked AS (
      SELECT e.id, row_number() OVER (ORDER BY e.occurred_at, e.seq)::int AS seq
      FROM events e JOIN event_types et ON et.id = e.event_type_id
      WHERE e.tenant_id = ${tenant} AND e.occurred_at >= ${request.from} AND e.occurred_at <= ${request.to}
        AND et.name = ANY(${[...request.types]}::text[])
        AND (${request.filter.projectId ?? null}::text IS NULL OR e.project_id = ${request.filter.projectId ?? null})
        AND (${request.filter.sourceType ?? null}::text IS NULL OR e.source_entity_type = ${request.filter.sourceType ?? null})
      ORDER BY e.occurred_at, e.seq
      LIMIT ${request.maxEvents + 1}
    ),
    created AS (
      INSERT INTO deliveries (subscription_id, event_id, channel, replay_id, replay_seq, status)
      SELECT ${subscriptionId}, p.id, ${SUBSCRIPTION_CHANNEL}, ${request.replayId}, p.seq, CASE WHEN p.seq = 1 THEN 'queued' ELSE 'waiting' END
      FROM picked p
      WHERE (SELECT count(*) FROM picked) <= ${request.maxEvents}
      ORDER BY p.seq
      RETURNING id, round, replay_seq
    )
    SELECT (SELECT count(*) FROM picked)::int AS matched,
           (SELECT id FROM created WHERE replay_seq = 1) AS first_id,
           (SELECT round FROM created WHERE replay_seq = 1) AS first_round`;
  if (!row || row.matched > request.maxEvents) return { kind: "too_many", maxEvents: request.maxEvents };
  return {
    kind: "created",
    events: row.matched,
    ...(row.first_id !== null && { first: { id: String(row.first_id), channel: SUBSCRIPTION_CHANNEL, round: row.first_round ?? 0 } }),
  };
}

import type { Database } from "@herald/db";
import { splitTenantKey, tenantKey, type DeliveryStatus, type ExternalChannel } from "@herald/contract";

/** A delivery as the operator API shows it. Ids are strings: they are BIGINTs. */
export interface DeliveryItem {
  readonly id: string;
  /** A notification's delivery (email, webhook): the notification and its user. */
  readonly notificationId: string | null;
  readonly userId: string | null;
  /** A subscription's delivery (channel `subscription`): the subscription, the event, and the replay that made it, if one did. */
  readonly subscriptionId: string | null;
  readonly eventId: string | null;
  readonly replayId: string | null;
  readonly channel: string;
  readonly status: string;
  readonly destination: string | null;
  readonly attempts: number;
  readonly round: number;
  readonly lastError: string | null;
  readonly lastResponse: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly deliveredAt: string | null;
}

export interface DeliveryAttemptItem {
  readonly attempt: number;
  readonly outcome: string;
  readonly httpStatus: number | null;
  readonly smtpResponse: string | null;
  readonly error: string | null;
  readonly durationMs: number;
  readonly destination: string | null;
  readonly createdAt: string;
}

export type DeliveryDetail = DeliveryItem & { readonly attemptLog: readonly DeliveryAttemptItem[] };

export interface DeliveryListFilter {
  readonly status?: DeliveryStatus;
  readonly channel?: ExternalChannel;
  /** As the tenant names the user (their token's sub). */
  readonly userId?: string;
  /** Only deliveries older than this id (the previous page's cursor). */
  readonly beforeId?: bigint;
  readonly limit: number;
}

export interface DeliveryPage {
  readonly items: DeliveryItem[];
  readonly nextCursor: string | null;
}

/** A dead letter put back in the queue: what its job needs, and what to restore if the job cannot be queued. */
export interface RequeuedDelivery {
  readonly id: string;
  readonly channel: ExternalChannel;
  readonly round: number;
  readonly attempts: number;
  readonly previousError: string | null;
}

export type RequeueResult =
  | { readonly kind: "requeued"; readonly delivery: RequeuedDelivery }
  | { readonly kind: "not_found" }
  | { readonly kind: "not_dead_lettered"; readonly status: string };

type DeliveryRow = Awaited<ReturnType<Database["delivery"]["findFirstOrThrow"]>>;
type AttemptRow = Awaited<ReturnType<Database["deliveryAttempt"]["findFirstOrThrow"]>>;

function toItem(d: DeliveryRow): DeliveryItem {
  return {
    id: String(d.id),
    notificationId: d.notificationId === null ? null : String(d.notificationId),
    // The operator's tenant names its users by their own ids, not by key.
    userId: d.userId === null ? null : splitTenantKey(d.userId).id,
    subscriptionId: d.subscriptionId,
    eventId: d.eventId,
    replayId: d.replayId,
    channel: d.channel,
    status: d.status,
    destination: d.destination,
    attempts: d.attempts,
    round: d.round,
    lastError: d.lastError,
    lastResponse: d.lastResponse,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
  };
}

function toAttempt(a: AttemptRow): DeliveryAttemptItem {
  return {
    attempt: a.attempt,
    outcome: a.outcome,
    httpStatus: a.httpStatus,
    smtpResponse: a.smtpResponse,
    error: a.error,
    durationMs: a.durationMs,
    destination: a.destination,
    createdAt: a.createdAt.toISOString(),
  };
}

/**
 * The deliveries and delivery_attempts tables, for the operators of one
 * tenant: every method sees that tenant's users' deliveries only, and
 * another tenant's id is not found, so no operator route can forget the filter.
 */
export class DeliveryRepository {
  constructor(private readonly db: Database) {}

  of(tenant: string): TenantDeliveries {
    return new TenantDeliveries(this.db, tenant);
  }
}

export class TenantDeliveries {
  constructor(
    private readonly db: Database,
    private readonly tenant: string,
  ) {}

  /** A notification's delivery belongs to its user's tenant, a subscription's to the subscription's. */
  private get ofTenant() {
    return { OR: [{ notification: { user: { tenantId: this.tenant } } }, { subscription: { tenantId: this.tenant } }] };
  }

  /** Newest first (ids grow with time); the cursor is the last id of a page. */
  async list(filter: DeliveryListFilter): Promise<DeliveryPage> {
    const rows = await this.db.delivery.findMany({
      where: {
        ...this.ofTenant,
        ...(filter.status !== undefined && { status: filter.status }),
        ...(filter.channel !== undefined && { channel: filter.channel }),
        ...(filter.userId !== undefined && { userId: tenantKey(this.tenant, filter.userId) }),
        ...(filter.beforeId !== undefined && { id: { lt: filter.beforeId } }),
      },
      orderBy: { id: "desc" },
      take: filter.limit + 1,
    });
    const page = rows.slice(0, filter.limit);
    const last = page.at(-1);
    return { items: page.map(toItem), nextCursor: rows.length > filter.limit && last ? String(last.id) : null };
  }

  async get(id: bigint): Promise<DeliveryDetail | undefined> {
    const row = await this.db.delivery.findFirst({
      where: { id, ...this.ofTenant },
      // In the order they happened: attempt numbers start again with each retry round.
      include: { attemptLog: { orderBy: { id: "asc" } } },
    });
    if (!row) return undefined;
    const { attemptLog, ...delivery } = row;
    return { ...toItem(delivery), attemptLog: attemptLog.map(toAttempt) };
  }

  /**
   * Puts a dead letter back to queued in its next round, in one statement:
   * of two operators retrying at once, one wins and the other is told it is
   * no longer dead-lettered. The error it died with is returned, not lost,
   * in case its job cannot be queued and the row has to go back.
   */
  async requeueDeadLetter(id: bigint): Promise<RequeueResult> {
    const rows = await this.db.$queryRaw<
      { id: bigint; channel: ExternalChannel; round: number; attempts: number; previous_error: string | null }[]
    >`
      UPDATE deliveries d
      SET status = 'queued', round = d.round + 1, last_error = NULL, updated_at = now()
      FROM deliveries previous
      WHERE d.id = ${String(id)}::bigint AND previous.id = d.id AND d.status = 'dead_lettered'
        AND (EXISTS (SELECT 1 FROM users u WHERE u.id = d.user_id AND u.tenant_id = ${this.tenant})
             OR EXISTS (SELECT 1 FROM subscriptions s WHERE s.id = d.subscription_id AND s.tenant_id = ${this.tenant}))
      RETURNING d.id, d.channel, d.round, d.attempts, previous.last_error AS previous_error`;
    const row = rows[0];
    if (row) {
      return {
        kind: "requeued",
        delivery: { id: String(row.id), channel: row.channel, round: row.round, attempts: row.attempts, previousError: row.previous_error },
      };
    }
    const current = await this.db.delivery.findFirst({ where: { id, ...this.ofTenant }, select: { status: true } });
    return current ? { kind: "not_dead_lettered", status: current.status } : { kind: "not_found" };
  }

  /**
   * Undoes a requeue whose job could not be queued, unless a worker has
   * touched the row since. The round stays counted: should the job have been
   * queued after all, it finds the row dead-lettered and sends nothing, and
   * the next retry gets a fresh job id.
   */
  async restoreDeadLetter(delivery: RequeuedDelivery): Promise<void> {
    await this.db.$executeRaw`
      UPDATE deliveries SET status = 'dead_lettered', last_error = ${delivery.previousError}, updated_at = now()
      WHERE id = ${delivery.id}::bigint AND status = 'queued' AND round = ${delivery.round} AND attempts = ${delivery.attempts}`;
  }
}

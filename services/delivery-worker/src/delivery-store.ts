import type { ExternalChannel } from "@herald/contract";
import { Prisma, type Database } from "@herald/db";

/** Everything one delivery attempt needs, read in one query. */
export interface DeliveryContext {
  readonly deliveryId: string;
  readonly channel: "email" | "webhook";
  readonly status: string;
  readonly round: number;
  readonly notification: {
    readonly id: number;
    readonly eventId: string | null;
    readonly type: string;
    readonly category: string;
    readonly critical: boolean;
    readonly title: string;
    readonly body: string;
    readonly createdAt: Date;
    readonly occurredAt: Date;
    readonly payload: Record<string, unknown>;
    readonly count: number;
    readonly url: string | null;
    readonly actions: readonly { readonly id: string; readonly label: string }[];
  };
  readonly email: string | null;
  readonly webhookUrl: string | null;
  readonly webhookSecret: string | null;
}

/** An attempt about to be made: on record before anything is sent, so a crash mid-send cannot hide it. */
export interface AttemptStart {
  /** BullMQ's attempt number within the round; a run cut off by a crash is not counted, so its rerun has the same number. */
  readonly attempt: number;
  readonly channel: ExternalChannel;
  readonly destination: string;
}

/** How a started attempt ended. */
export interface AttemptOutcome {
  readonly outcome: "success" | "failure";
  readonly httpStatus?: number;
  readonly smtpResponse?: string;
  readonly error?: string;
  readonly durationMs: number;
  /** The delivery's status after this attempt. */
  readonly status: "queued" | "delivered" | "dead_lettered";
}

/** Outcomes of an attempt row (delivery_attempts.outcome) besides success and failure. */
const ATTEMPT_OUTCOMES = {
  /** On record, sent or being sent, no answer recorded yet. */
  started: "started",
  /** Started, and the worker stopped (crash, kill) before recording its answer: it may have reached the destination. */
  interrupted: "interrupted",
} as const;

/** Why an attempt is marked interrupted. */
const INTERRUPTED_ERROR = "the worker stopped before this attempt's answer was recorded";

/** A queued delivery nothing has touched for a while: its job may be gone or failed. */
export interface StaleDelivery {
  readonly id: string;
  readonly channel: ExternalChannel;
  readonly round: number;
}

/** Where a sweep stopped: the last row's updated_at (Postgres's text, exact to the microsecond) and id. */
export interface SweepCursor {
  readonly updatedAt: string;
  readonly id: string;
}

/** A delivery whose job of `round` is beyond running, and why. */
export interface JobGone {
  readonly deliveryId: string;
  readonly round: number;
  readonly reason: string;
}

interface ContextRow {
  id: bigint;
  channel: "email" | "webhook";
  status: string;
  round: number;
  notification_id: bigint;
  event_id: string | null;
  event_type: string;
  category: string;
  critical: boolean;
  title: string;
  body: string;
  created_at: Date;
  occurred_at: Date | null;
  payload: Record<string, unknown> | null;
  count: number;
  url: string | null;
  actions: { id: string; label: string }[] | null;
  email: string | null;
  webhook_url: string | null;
  webhook_secret: string | null;
}

export class DeliveryStore {
  constructor(private readonly db: Database) {}

  async load(deliveryId: string): Promise<DeliveryContext | undefined> {
    const [row] = await this.db.$queryRaw<ContextRow[]>`
      SELECT d.id, d.channel, d.status, d.round, n.id AS notification_id, n.event_id, n.event_type, n.category, n.critical,
             n.title, n.body, n.created_at, e.occurred_at, COALESCE(n.payload, e.payload) AS payload, n.count, n.url, n.actions,
             COALESCE(s.email, u.email) AS email, s.webhook_url, s.webhook_secret
      FROM deliveries d
      JOIN notifications n ON n.id = d.notification_id
      JOIN users u ON u.id = n.user_id
      LEFT JOIN events e ON e.id = n.event_id
      LEFT JOIN user_notification_settings s ON s.user_id = n.user_id
      WHERE d.id = ${deliveryId}::bigint`;
    if (!row) return undefined;
    return {
      deliveryId: String(row.id),
      channel: row.channel,
      status: row.status,
      round: row.round,
      notification: {
        id: Number(row.notification_id),
        eventId: row.event_id,
        type: row.event_type,
        category: row.category,
        critical: row.critical,
        title: row.title,
        body: row.body,
        createdAt: row.created_at,
        occurredAt: row.occurred_at ?? row.created_at,
        payload: row.payload ?? {},
        count: row.count,
        url: row.url,
        actions: row.actions ?? [],
      },
      email: row.email,
      webhookUrl: row.webhook_url,
      webhookSecret: row.webhook_secret,
    };
  }

  /**
   * Puts an attempt on record as started, before it is sent, in one
   * statement: the attempt row, the delivery's attempt count and
   * destination, and any earlier attempt of this delivery still marked
   * started (its worker died mid-send) closed as interrupted.
   */
  async startAttempt(deliveryId: string, start: AttemptStart): Promise<string> {
    const [row] = await this.db.$queryRaw<{ id: bigint }[]>`
      WITH interrupted AS (
        UPDATE delivery_attempts SET outcome = ${ATTEMPT_OUTCOMES.interrupted}, error = ${INTERRUPTED_ERROR}
        WHERE delivery_id = ${deliveryId}::bigint AND outcome = ${ATTEMPT_OUTCOMES.started}
      ),
      counted AS (
        UPDATE deliveries SET attempts = attempts + 1, destination = ${start.destination}, updated_at = now()
        WHERE id = ${deliveryId}::bigint
      )
      INSERT INTO delivery_attempts (delivery_id, attempt, channel, destination, outcome, duration_ms)
      VALUES (${deliveryId}::bigint, ${start.attempt}, ${start.channel}, ${start.destination}, ${ATTEMPT_OUTCOMES.started}, 0)
      RETURNING id`;
    return String(row!.id);
  }

  /**
   * Records how a started attempt ended and updates the delivery, in one
   * statement. A delivery that is no longer queued (a second run of the same
   * job, after this one lost its lock, finished first) keeps its status.
   */
  async finishAttempt(deliveryId: string, attemptId: string, outcome: AttemptOutcome): Promise<void> {
    const response = outcome.httpStatus !== undefined ? String(outcome.httpStatus) : (outcome.smtpResponse ?? null);
    await this.db.$executeRaw`
      WITH logged AS (
        UPDATE delivery_attempts SET
          outcome = ${outcome.outcome}, http_status = ${outcome.httpStatus ?? null}::int, smtp_response = ${outcome.smtpResponse ?? null},
          error = ${outcome.error ?? null}, duration_ms = ${Math.round(outcome.durationMs)}
        WHERE id = ${attemptId}::bigint
      )
      UPDATE deliveries SET
        status = ${outcome.status}, last_error = ${outcome.error ?? null}, last_response = ${response},
        delivered_at = CASE WHEN ${outcome.status} = 'delivered' THEN now() ELSE delivered_at END,
        updated_at = now()
      WHERE id = ${deliveryId}::bigint AND status = 'queued'`;
  }

  /**
   * Dead-letters deliveries whose job of that round has failed for good
   * (or is otherwise beyond running), each with its reason, in one
   * statement; an attempt still marked started is closed as interrupted. A
   * delivery no longer queued, or already in a later round, is left alone, so
   * replicas and repeats change nothing. Returns how many were dead-lettered.
   */
  async deadLetter(jobs: readonly JobGone[]): Promise<number> {
    if (jobs.length === 0) return 0;
    const [row] = await this.db.$queryRaw<{ n: number }[]>`
      WITH gone AS (
        SELECT * FROM unnest(${jobs.map((j) => j.deliveryId)}::bigint[], ${jobs.map((j) => j.round)}::int[], ${jobs.map((j) => j.reason)}::text[])
          AS t(id, round, reason)
      ),
      dead AS (
        UPDATE deliveries d SET status = 'dead_lettered', last_error = gone.reason, updated_at = now()
        FROM gone WHERE d.id = gone.id AND d.round = gone.round AND d.status = 'queued'
        RETURNING d.id
      ),
      closed AS (
        UPDATE delivery_attempts a SET outcome = ${ATTEMPT_OUTCOMES.interrupted}, error = ${INTERRUPTED_ERROR}
        FROM dead WHERE a.delivery_id = dead.id AND a.outcome = ${ATTEMPT_OUTCOMES.started}
      )
      SELECT count(*)::int AS n FROM dead`;
    return row?.n ?? 0;
  }

  /**
   * One page of queued deliveries untouched for `ageMs` (by Postgres's
   * clock), oldest first, after `cursor`: one statement, a range scan of the
   * partial index on queued rows.
   */
  async staleQueued(ageMs: number, cursor: SweepCursor | undefined, limit: number): Promise<{ rows: StaleDelivery[]; next?: SweepCursor }> {
    const after = cursor ? Prisma.sql`AND (updated_at, id) > (${cursor.updatedAt}::timestamptz, ${cursor.id}::bigint)` : Prisma.empty;
    const rows = await this.db.$queryRaw<{ id: bigint; channel: ExternalChannel; round: number; updated_at: string }[]>`
      SELECT id, channel, round, updated_at::text AS updated_at FROM deliveries
      WHERE status = 'queued' AND updated_at < now() - ${ageMs} * interval '1 millisecond' ${after}
      ORDER BY updated_at, id
      LIMIT ${limit}`;
    const last = rows.at(-1);
    return {
      rows: rows.map((r) => ({ id: String(r.id), channel: r.channel, round: r.round })),
      next: rows.length === limit && last ? { updatedAt: last.updated_at, id: String(last.id) } : undefined,
    };
  }

  /** Nothing to send to (no address or URL): recorded, never retried. */
  async skip(deliveryId: string, reason: string): Promise<void> {
    await this.db.$executeRaw`
      UPDATE deliveries SET status = 'skipped', last_error = ${reason}, updated_at = now() WHERE id = ${deliveryId}::bigint`;
  }
}

import type { Database } from "@herald/db";

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
  };
  readonly email: string | null;
  readonly webhookUrl: string | null;
  readonly webhookSecret: string | null;
}

export interface AttemptRecord {
  readonly attempt: number;
  readonly destination: string | null;
  readonly outcome: "success" | "failure";
  readonly httpStatus?: number;
  readonly smtpResponse?: string;
  readonly error?: string;
  readonly durationMs: number;
  /** The delivery's status after this attempt. */
  readonly status: "queued" | "delivered" | "dead_lettered";
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
  email: string | null;
  webhook_url: string | null;
  webhook_secret: string | null;
}

export class DeliveryStore {
  constructor(private readonly db: Database) {}

  async load(deliveryId: string): Promise<DeliveryContext | undefined> {
    const [row] = await this.db.$queryRaw<ContextRow[]>`
      SELECT d.id, d.channel, d.status, d.round, n.id AS notification_id, n.event_id, n.event_type, n.category, n.critical,
             n.title, n.body, n.created_at, e.occurred_at, COALESCE(n.payload, e.payload) AS payload,
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
      },
      email: row.email,
      webhookUrl: row.webhook_url,
      webhookSecret: row.webhook_secret,
    };
  }

  /** Appends the attempt to the log and updates the delivery, in one statement. */
  async record(deliveryId: string, attempt: AttemptRecord, channel: string): Promise<void> {
    const response = attempt.httpStatus !== undefined ? String(attempt.httpStatus) : (attempt.smtpResponse ?? null);
    await this.db.$executeRaw`
      WITH logged AS (
        INSERT INTO delivery_attempts (delivery_id, attempt, channel, destination, outcome, http_status, smtp_response, error, duration_ms)
        VALUES (${deliveryId}::bigint, ${attempt.attempt}, ${channel}, ${attempt.destination}, ${attempt.outcome},
                ${attempt.httpStatus ?? null}::int, ${attempt.smtpResponse ?? null}, ${attempt.error ?? null}, ${Math.round(attempt.durationMs)})
      )
      UPDATE deliveries SET
        status = ${attempt.status}, attempts = attempts + 1, destination = ${attempt.destination},
        last_error = ${attempt.error ?? null}, last_response = ${response},
        delivered_at = CASE WHEN ${attempt.status} = 'delivered' THEN now() ELSE delivered_at END,
        updated_at = now()
      WHERE id = ${deliveryId}::bigint`;
  }

  /** Nothing to send to (no address or URL): recorded, never retried. */
  async skip(deliveryId: string, reason: string): Promise<void> {
    await this.db.$executeRaw`
      UPDATE deliveries SET status = 'skipped', last_error = ${reason}, updated_at = now() WHERE id = ${deliveryId}::bigint`;
  }
}

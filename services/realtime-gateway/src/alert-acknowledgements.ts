import type { AlertFacts, AlertSeverity } from "@herald/contract";
import type { Database } from "@herald/db";

export interface Acknowledgement {
  readonly acknowledgedBy: string;
  readonly acknowledgedAt: string;
  /** The severity acknowledged: a warning's acknowledgement does not speak for the alert escalated to critical. */
  readonly severity: AlertSeverity;
}

/**
 * The alert_acknowledgements table: one acknowledgement per tenant and
 * alertId, the first admin's (two admins acking at once are one ack); an
 * escalated alert acknowledged again moves it to the higher severity. The
 * router reads it when it stores a repeat of the alert.
 */
export class AlertAcknowledgements {
  constructor(private readonly db: Database) {}

  async acknowledge(tenant: string, alert: AlertFacts, admin: string): Promise<void> {
    await this.db.$executeRaw`
      INSERT INTO alert_acknowledgements (tenant_id, alert_id, severity, acknowledged_by)
      VALUES (${tenant}, ${alert.alertId}, ${alert.severity}, ${admin})
      ON CONFLICT (tenant_id, alert_id) DO UPDATE
        SET severity = EXCLUDED.severity, acknowledged_by = EXCLUDED.acknowledged_by, acknowledged_at = now()
        WHERE alert_acknowledgements.severity = 'warning' AND EXCLUDED.severity = 'critical'`;
  }

  /** The tenant's acknowledgements of these alerts, by alertId. */
  async of(tenant: string, alertIds: readonly string[]): Promise<Map<string, Acknowledgement>> {
    if (alertIds.length === 0) return new Map();
    const rows = await this.db.alertAcknowledgement.findMany({ where: { tenantId: tenant, alertId: { in: [...new Set(alertIds)] } } });
    return new Map(
      rows.map((r) => [
        r.alertId,
        { acknowledgedBy: r.acknowledgedBy, acknowledgedAt: r.acknowledgedAt.toISOString(), severity: r.severity as AlertSeverity },
      ]),
    );
  }
}

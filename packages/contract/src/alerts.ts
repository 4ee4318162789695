import type { NotificationAction } from "./notification";

/** The hardware alert types (second wave, "Alerts"): identified by `payload.alertId` across repeats, escalation and resolve. */
export const ALERT_TYPES = ["system.gpu_warning", "system.gpu_critical", "system.disk_warning"] as const;

export const ALERT_SEVERITIES = ["warning", "critical"] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** The button every firing alert offers admins; acting on it acknowledges the alert for the whole tenant. */
export const ACKNOWLEDGE_ACTION: NotificationAction = { id: "acknowledge", label: "Acknowledge" };

/** What routing and acknowledging need of an alert event. */
export interface AlertFacts {
  readonly alertId: string;
  readonly severity: AlertSeverity;
  readonly resolved: boolean;
}

/**
 * The alert an event (or a notification's type and payload) is, if any:
 * one of ALERT_TYPES with a text `payload.alertId`. `system.gpu_critical`
 * is critical whatever its payload says; otherwise `payload.severity`. Pure.
 */
export function alertOf(type: string, payload: Readonly<Record<string, unknown>>): AlertFacts | undefined {
  if (!(ALERT_TYPES as readonly string[]).includes(type)) return undefined;
  const alertId = payload.alertId;
  if (typeof alertId !== "string" || alertId.length === 0) return undefined;
  const severity: AlertSeverity = type === "system.gpu_critical" || payload.severity === "critical" ? "critical" : "warning";
  return { alertId, severity, resolved: payload.state === "resolved" };
}

/**
 * Whether an acknowledgement at `acknowledged` severity covers a copy of the alert at `copy` severity: a warning's
 * acknowledgement does not cover the alert once it escalated to critical (that copy still asks for one). Pure.
 */
export function acknowledgementCovers(acknowledged: AlertSeverity, copy: AlertSeverity): boolean {
  return ALERT_SEVERITIES.indexOf(acknowledged) >= ALERT_SEVERITIES.indexOf(copy);
}

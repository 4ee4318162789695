import { getEventType, type EventTypeName, type HeraldEvent } from "@herald/contract";

/** An event users are notified of (Herald's own, such as notification.action, are not rendered). */
type UserEvent = HeraldEvent & { readonly type: EventTypeName };

const MAX_BODY = 500;

function text(value: unknown): string | undefined {
  if (typeof value === "string" && value.trim()) return value.trim();
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/** What the event is about, in the producer's words when it gave any. */
function subject(event: HeraldEvent): string {
  const p = event.payload;
  return (
    text(p.jobName) ??
    text(p.name) ??
    text(p.title) ??
    (text(p.jobId) && `job ${text(p.jobId)}`) ??
    (event.source && `${event.source.type} ${event.source.id}`) ??
    event.type
  );
}

/**
 * What a system event measures when its producer does not name the metric: a GPU warning is about its temperature
 * (in °C, as nvidia-smi reports it) and a disk warning about free space (the catalog's descriptions), so a reading
 * sent without `metric` still says what it is. Without this the reading itself was dropped: "gpu-07 GPU 3
 * (threshold 90)" for a 94 °C alert. Free space has no implied unit: a producer may count it in percent or bytes.
 */
const IMPLIED_READING: Readonly<Partial<Record<HeraldEvent["type"], { readonly metric: string; readonly unit?: string }>>> = {
  "system.gpu_warning": { metric: "temperature", unit: "°C" },
  "system.gpu_critical": { metric: "temperature", unit: "°C" },
  "system.disk_warning": { metric: "free space" },
};

/** How a unit reads after a value: "94 °C", "4%", "12 GB". */
function withUnit(value: string, unit: string | undefined): string {
  if (!unit) return value;
  if (unit === "C" || unit === "°C") return `${value} °C`;
  if (unit === "%") return `${value}%`;
  return `${value} ${unit}`;
}

function systemBody(event: HeraldEvent): string {
  const p = event.payload;
  const where = [text(p.host), text(p.mountPoint) ?? (text(p.gpuIndex) && `GPU ${text(p.gpuIndex)}`)].filter(Boolean).join(" ");
  const named = text(p.metric);
  const implied = named === undefined ? IMPLIED_READING[event.type] : undefined;
  const metric = named ?? implied?.metric;
  // The producer's unit, else the one its implied metric is read in; the threshold is in the same unit as the value.
  const unit = text(p.unit) ?? implied?.unit;
  const value = text(p.value);
  const threshold = text(p.threshold);
  const state = text(p.state);
  const parts = [
    where || undefined,
    value ? [metric, withUnit(value, unit)].filter(Boolean).join(" ") : undefined,
    threshold ? `(threshold ${value ? withUnit(threshold, unit) : threshold})` : undefined,
    state === "resolved" ? "resolved" : undefined,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(" ") : getEventType(event.type).description;
}

function defaultBody(event: UserEvent): string {
  const p = event.payload;
  const name = subject(event);
  switch (event.type) {
    case "job.submitted":
      return `${name} was submitted`;
    case "job.started":
      return `${name} started`;
    case "job.progress":
      return text(p.percent) ? `${name} is ${text(p.percent)}% done` : `${name} made progress`;
    case "job.completed":
      return `${name} completed`;
    case "job.failed":
      return text(p.error) ? `${name} failed: ${text(p.error)}` : `${name} failed`;
    case "job.cancelled":
      return `${name} was cancelled`;
    case "review.submitted":
      return `${name} is waiting for your review`;
    case "review.approved":
      return `${name} was approved`;
    case "review.rejected":
      return text(p.reason) ? `${name} was rejected: ${text(p.reason)}` : `${name} was rejected`;
    case "review.comment":
      return text(p.comment) ? `New comment on ${name}: ${text(p.comment)}` : `New comment on ${name}`;
    case "collab.mention":
      return `You were mentioned in ${name}`;
    case "collab.lock":
      return `${name} was locked`;
    case "system.disk_warning":
    case "system.gpu_warning":
    case "system.gpu_critical":
    case "system.restart":
      return systemBody(event);
  }
}

/**
 * Title and body as plain text. They are stored and sent as data: every
 * renderer (web UI, email HTML) escapes them where it displays them.
 */
export function renderNotification(event: UserEvent): { title: string; body: string } {
  const title = getEventType(event.type).title;
  const body = text(event.payload.message) ?? defaultBody(event);
  return { title, body: body.length > MAX_BODY ? `${body.slice(0, MAX_BODY - 1)}…` : body };
}

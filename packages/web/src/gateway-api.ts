/**
 * The few gateway endpoints @herald/client does not cover: the user's
 * settings (do-not-disturb, digest, email and webhook), per-event-type
 * preferences and the event history. Same origin as the page, bearer token
 * in the Authorization header.
 */
import {
  ApiError,
  isDndActive,
  type ApiErrorBody,
  type DecisionRecord,
  type NotARecipient,
  type HistoryPage,
  type PreferenceEntry,
  type PreferenceUpdate,
  type SettingsUpdate,
  type SubscriptionStatus,
  type SubscriptionView,
  type UserSettings,
} from "@herald/contract";

async function call<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store" });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const error = (parsed as Partial<ApiErrorBody> | undefined)?.error;
    throw new ApiError(
      res.status,
      error?.code ?? "http_error",
      error?.message ?? `${method} ${path} answered ${res.status}`,
      error?.details,
    );
  }
  return parsed as T;
}

export function getSettings(token: string): Promise<UserSettings> {
  return call(token, "GET", "/api/v1/notifications/settings");
}

export function updateSettings(token: string, update: SettingsUpdate): Promise<UserSettings> {
  return call(token, "PUT", "/api/v1/notifications/settings", update);
}

export async function getPreferences(token: string): Promise<PreferenceEntry[]> {
  return (await call<{ items: PreferenceEntry[] }>(token, "GET", "/api/v1/notifications/preferences")).items;
}

export function updatePreference(token: string, eventType: string, update: PreferenceUpdate): Promise<PreferenceEntry> {
  return call(token, "PUT", `/api/v1/notifications/preferences/${encodeURIComponent(eventType)}`, update);
}

export function getEventHistory(token: string, cursor?: string): Promise<HistoryPage> {
  const qs = new URLSearchParams({ limit: "20" });
  if (cursor) qs.set("cursor", cursor);
  return call(token, "GET", `/api/v1/events?${qs.toString()}`);
}

/** DND as the router applies it: on, and either open-ended or not yet past its end. */
export function dndActive(settings: Pick<UserSettings, "dndEnabled" | "dndUntil">, now = Date.now()): boolean {
  return isDndActive(
    { dndEnabled: settings.dndEnabled, dndUntil: settings.dndUntil === null ? null : new Date(settings.dndUntil) },
    new Date(now),
  );
}

/** One delivery of the operator API (GET /api/v1/admin/deliveries), as ingest answers it through the gateway. */
export interface AdminDelivery {
  readonly id: string;
  readonly notificationId: string;
  readonly userId: string;
  readonly channel: string;
  readonly status: string;
  readonly destination: string | null;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly updatedAt: string;
}

export interface AdminDeliveryAttempt {
  readonly attempt: number;
  readonly outcome: string;
  readonly httpStatus: number | null;
  readonly smtpResponse: string | null;
  readonly error: string | null;
  readonly durationMs: number;
  readonly createdAt: string;
}

export interface AdminChannelStats {
  readonly channel: string;
  readonly queued: number;
  readonly delivered: number;
  readonly deadLettered: number;
  readonly skipped: number;
  readonly successRate: number | null;
  readonly p50DeliveryMs: number | null;
  readonly p95DeliveryMs: number | null;
}

export interface AdminStats {
  readonly channels: readonly AdminChannelStats[];
  readonly backlog: {
    readonly streamLength: number;
    readonly routerLag: number | null;
    readonly routerPending: number;
    readonly queues: Readonly<Record<string, { waiting: number; active: number; delayed: number; failed: number }>>;
  } | null;
}

export function getAdminDeliveries(
  token: string,
  filter: { channel?: string; status?: string; cursor?: string },
): Promise<{ items: AdminDelivery[]; nextCursor: string | null }> {
  const qs = new URLSearchParams({ limit: "20" });
  for (const [key, value] of Object.entries(filter)) if (value) qs.set(key, value);
  return call(token, "GET", `/api/v1/admin/deliveries?${qs.toString()}`);
}

export function getAdminDelivery(token: string, id: string): Promise<AdminDelivery & { attemptLog: AdminDeliveryAttempt[] }> {
  return call(token, "GET", `/api/v1/admin/deliveries/${encodeURIComponent(id)}`);
}

export function retryDelivery(token: string, id: string): Promise<unknown> {
  return call(token, "POST", `/api/v1/admin/deliveries/${encodeURIComponent(id)}/retry`);
}

export function getAdminStats(token: string): Promise<AdminStats> {
  return call(token, "GET", "/api/v1/admin/stats");
}

/** The tenant's webhook subscriptions, as the operator API lists them (never their secrets). */
export function getAdminSubscriptions(token: string): Promise<{ items: SubscriptionView[]; nextCursor: string | null }> {
  return call(token, "GET", "/api/v1/admin/subscriptions");
}

export function setSubscriptionStatus(token: string, id: string, status: SubscriptionStatus): Promise<SubscriptionView> {
  return call(token, "PATCH", `/api/v1/admin/subscriptions/${encodeURIComponent(id)}`, { status });
}

export function getAdminLinks(token: string): Promise<{ dashboard: string }> {
  return call(token, "GET", "/api/v1/admin/links");
}

export async function getDecisions(token: string, eventId: string): Promise<DecisionRecord[]> {
  return (await call<{ items: DecisionRecord[] }>(token, "GET", `/api/v1/admin/events/${encodeURIComponent(eventId)}/decisions`)).items;
}

/** Why `userId` (an admin's tenant's user; absent: the caller) did or did not get the event. */
export function explain(token: string, eventId: string, userId?: string): Promise<DecisionRecord | NotARecipient> {
  const qs = new URLSearchParams({ eventId });
  if (userId) qs.set("userId", userId);
  return call(token, "GET", `/api/v1/notifications/explain?${qs.toString()}`);
}

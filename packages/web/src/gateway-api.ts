/**
 * The few gateway endpoints @herald/client does not cover: the user's
 * settings (do-not-disturb, digest, email and webhook), per-event-type
 * preferences and the event history. Same origin as the page, bearer token
 * in the Authorization header.
 */
// The REST shapes are the contract's; re-exported here so the views import one module for the gateway.
export { CHANNELS, SCOPES, type Channel, type PreferenceEntry, type PreferenceUpdate, type Scope, type SettingsUpdate } from "@herald/contract";
export type { SettingsView as Settings } from "@herald/contract";
import { isDndActive, type PreferenceEntry, type PreferenceUpdate, type SettingsUpdate, type SettingsView as Settings } from "@herald/contract";

export interface HistoryEvent {
  readonly id: string;
  readonly type: string;
  readonly category: string;
  readonly critical: boolean;
  readonly occurredAt: string;
  readonly actorUserId: string | null;
  readonly projectId: string | null;
  readonly source: { readonly type: string; readonly id: string } | null;
  readonly payload: unknown;
}

export interface HistoryPage {
  readonly items: HistoryEvent[];
  readonly nextCursor: string | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** A 400's offending fields, as the gateway names them. */
    readonly details: readonly { readonly path: string; readonly message: string }[] = [],
  ) {
    super(message);
  }
}

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
    const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    const details = Array.isArray(error?.details)
      ? error.details.filter((d): d is { path: string; message: string } => typeof d?.path === "string" && typeof d?.message === "string")
      : [];
    throw new ApiError(res.status, error?.code ?? "http_error", error?.message ?? `${method} ${path} answered ${res.status}`, details);
  }
  return parsed as T;
}

export function getSettings(token: string): Promise<Settings> {
  return call(token, "GET", "/api/v1/notifications/settings");
}

export function updateSettings(token: string, update: SettingsUpdate): Promise<Settings> {
  return call(token, "PUT", "/api/v1/notifications/settings", update);
}

export async function getPreferences(token: string): Promise<PreferenceEntry[]> {
  return (await call<{ items: PreferenceEntry[] }>(token, "GET", "/api/v1/notifications/preferences")).items;
}

export function updatePreference(token: string, eventType: string, update: PreferenceUpdate): Promise<PreferenceEntry> {
  return call(token, "PUT", `/api/v1/notifications/preferences/${encodeURIComponent(eventType)}`, update);
}

export function eventHistory(token: string, cursor?: string): Promise<HistoryPage> {
  const qs = new URLSearchParams({ limit: "20" });
  if (cursor) qs.set("cursor", cursor);
  return call(token, "GET", `/api/v1/events?${qs.toString()}`);
}

/** DND as the router applies it: on, and either open-ended or not yet past its end. */
export function dndActive(settings: Pick<Settings, "dndEnabled" | "dndUntil">, now = Date.now()): boolean {
  return isDndActive({ dndEnabled: settings.dndEnabled, dndUntil: settings.dndUntil === null ? null : new Date(settings.dndUntil) }, new Date(now));
}

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
  type HistoryPage,
  type PreferenceEntry,
  type PreferenceUpdate,
  type SettingsUpdate,
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

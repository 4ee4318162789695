/**
 * The few gateway endpoints @herald/client does not cover: the user's
 * settings (do-not-disturb) and the event history. Same origin as the page,
 * bearer token in the Authorization header.
 */
export interface Settings {
  readonly dndEnabled: boolean;
  readonly dndUntil: string | null;
}

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
    const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(res.status, error?.code ?? "http_error", error?.message ?? `${method} ${path} answered ${res.status}`);
  }
  return parsed as T;
}

export function getSettings(token: string): Promise<Settings> {
  return call(token, "GET", "/api/v1/notifications/settings");
}

export function updateSettings(token: string, update: Partial<Settings>): Promise<Settings> {
  return call(token, "PUT", "/api/v1/notifications/settings", update);
}

export function eventHistory(token: string, cursor?: string): Promise<HistoryPage> {
  const qs = new URLSearchParams({ limit: "20" });
  if (cursor) qs.set("cursor", cursor);
  return call(token, "GET", `/api/v1/events?${qs.toString()}`);
}

/** DND as the router applies it: on, and either open-ended or not yet past its end. */
export function dndActive(settings: Settings, now = Date.now()): boolean {
  return settings.dndEnabled && (settings.dndUntil === null || new Date(settings.dndUntil).getTime() > now);
}

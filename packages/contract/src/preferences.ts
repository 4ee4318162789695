import { getEventType, type EventCategory, type EventTypeName } from "./catalog";

export const CHANNELS = ["in_app", "email", "webhook"] as const;
export type Channel = (typeof CHANNELS)[number];

/** my_jobs: only as a direct recipient; my_projects: also the user's projects' events; all: every event of the type. */
export const SCOPES = ["my_jobs", "my_projects", "all"] as const;
export type Scope = (typeof SCOPES)[number];

export const DIGEST_INTERVALS = ["hourly", "daily"] as const;
export type DigestInterval = (typeof DIGEST_INTERVALS)[number];

export interface Preference {
  readonly enabled: boolean;
  /** Empty means muted. */
  readonly channels: readonly Channel[];
  readonly scope: Scope;
}

export interface NotificationSettings {
  readonly dndEnabled: boolean;
  readonly dndUntil: Date | null;
  readonly digestEnabled: boolean;
  readonly digestInterval: DigestInterval;
  readonly digestTypes: readonly EventTypeName[];
  readonly email: string | null;
  readonly webhookUrl: string | null;
}

export const DEFAULT_DIGEST_TYPES: readonly EventTypeName[] = ["job.completed", "job.failed", "review.submitted"];

/** What a user gets for a type until they change it (contract defaults). */
export function defaultPreference(type: EventTypeName): Preference {
  return { enabled: true, channels: getEventType(type).critical ? ["in_app", "email"] : ["in_app"], scope: "my_jobs" };
}

export const DEFAULT_SETTINGS: NotificationSettings = {
  dndEnabled: false,
  dndUntil: null,
  digestEnabled: false,
  digestInterval: "daily",
  digestTypes: DEFAULT_DIGEST_TYPES,
  email: null,
  webhookUrl: null,
};

/** DND is on when enabled and either open-ended or not yet past its end. */
export function isDndActive(settings: Pick<NotificationSettings, "dndEnabled" | "dndUntil">, now: Date): boolean {
  return settings.dndEnabled && (settings.dndUntil === null || settings.dndUntil.getTime() > now.getTime());
}

/** One event type's preference as the REST API shows it, defaults filled in. */
export interface PreferenceEntry {
  readonly eventType: EventTypeName;
  readonly category: EventCategory;
  readonly critical: boolean;
  readonly enabled: boolean;
  /** Empty means muted. */
  readonly channels: readonly Channel[];
  readonly scope: Scope;
  readonly isDefault: boolean;
}

/** `PUT /api/v1/notifications/preferences/:eventType`: at least one field. */
export interface PreferenceUpdate {
  readonly enabled?: boolean;
  readonly channels?: readonly Channel[];
  readonly scope?: Scope;
}

/** A user's settings as the REST API shows them. */
export interface UserSettings extends Omit<NotificationSettings, "dndUntil"> {
  readonly dndUntil: string | null;
  readonly webhookSecretSet: boolean;
  /** Only in the answer to the PUT that set a new webhook URL: shown once, never again. */
  readonly webhookSecret?: string;
}

/** `PUT /api/v1/notifications/settings`: at least one field. */
export interface SettingsUpdate {
  readonly dndEnabled?: boolean;
  /** ISO 8601; null: until switched off. */
  readonly dndUntil?: string | null;
  readonly digestEnabled?: boolean;
  readonly digestInterval?: DigestInterval;
  readonly digestTypes?: readonly string[];
  readonly email?: string | null;
  readonly webhookUrl?: string | null;
}

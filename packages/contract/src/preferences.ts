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
  /** The user's IANA time zone (`Europe/Berlin`): where `digestAt` is read. */
  readonly timezone: string;
  /** `HH:MM`: a daily digest is sent at this local time; null: a whole day after the last one. Hourly digests ignore it. */
  readonly digestAt: string | null;
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
  timezone: "UTC",
  digestAt: null,
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
  /** No preference of the user's own: the tenant's default (or the catalog's) applies, and follows it as it changes. */
  readonly isDefault: boolean;
  /** The tenant requires this type: the user cannot disable or mute it, and the tenant's default applies. */
  readonly required: boolean;
}

/**
 * A tenant's default for one event type (operator API). Its users who never
 * set a preference of their own for the type get it; `required` makes it
 * apply to every one of them, whatever their own preference says.
 */
export interface TenantPreference extends Preference {
  readonly required: boolean;
}

/** One event type's tenant default as the operator API shows it. */
export interface TenantPreferenceEntry extends TenantPreference {
  readonly eventType: EventTypeName;
  /** The tenant has not set one: the catalog's default applies. */
  readonly isDefault: boolean;
}

/** A tenant's settings (`GET`/`PUT /api/v1/admin/tenant/settings`). */
export interface TenantSettings {
  /** Notifications one user gets per hour before non-critical ones are held back (stored, not pushed or sent); 0: off. */
  readonly maxNotificationsPerUserPerHour: number;
}

/** Highest per-user hourly limit a tenant may set. */
export const MAX_NOTIFICATIONS_PER_USER_PER_HOUR = 1_000_000;

/** `PUT /api/v1/admin/tenant/preferences/:eventType`: at least one field. */
export interface TenantPreferenceUpdate extends PreferenceUpdate {
  readonly required?: boolean;
}

/** The default a tenant's users get for a type: the tenant's own, else the catalog's. */
export function tenantDefault(type: EventTypeName, tenant: TenantPreference | undefined): TenantPreference {
  return tenant ?? { ...defaultPreference(type), required: false };
}

/**
 * What a user gets for a type: the tenant's default when it is required or
 * when the user has no preference of their own for the type, else their own.
 */
export function effectivePreference(type: EventTypeName, own: Preference | undefined, tenant: TenantPreference | undefined): Preference {
  const fallback = tenantDefault(type, tenant);
  const chosen = fallback.required || own === undefined ? fallback : own;
  return { enabled: chosen.enabled, channels: chosen.channels, scope: chosen.scope };
}

/** Whether a user's update would disable or mute a type (what a `required` tenant default forbids). */
export function disablesOrMutes(update: PreferenceUpdate): boolean {
  return update.enabled === false || (update.channels !== undefined && update.channels.length === 0);
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
  readonly timezone?: string;
  readonly digestAt?: string | null;
  readonly email?: string | null;
  readonly webhookUrl?: string | null;
}

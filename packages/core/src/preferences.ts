import { z } from "zod";
import { EVENT_TYPES, getEventType, isEventTypeName, type EventTypeName } from "./catalog";

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

const eventTypeName = z.string().refine(isEventTypeName, { message: "unknown event type" });

export const preferenceUpdateSchema = z
  .object({
    enabled: z.boolean().optional(),
    channels: z
      .array(z.enum(CHANNELS))
      .max(CHANNELS.length)
      .refine((c) => new Set(c).size === c.length, { message: "channels must not repeat" })
      .optional(),
    scope: z.enum(SCOPES).optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: "give at least one of enabled, channels, scope" });

export type PreferenceUpdate = z.infer<typeof preferenceUpdateSchema>;

const EMAIL = z.email({ message: "must be an email address" }).max(254);
const WEBHOOK_URL = z
  .url({ protocol: /^https?$/, message: "must be an http(s) URL" })
  .max(2048)
  .refine((u) => !new URL(u).username && !new URL(u).password, { message: "must not carry credentials" });

export const settingsUpdateSchema = z
  .object({
    dndEnabled: z.boolean().optional(),
    dndUntil: z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time" }).nullable().optional(),
    digestEnabled: z.boolean().optional(),
    digestInterval: z.enum(DIGEST_INTERVALS).optional(),
    digestTypes: z
      .array(eventTypeName)
      .max(EVENT_TYPES.length)
      .refine((types) => types.every((t) => !isEventTypeName(t) || !getEventType(t).critical), {
        message: "critical types are never digested",
      })
      .optional(),
    email: EMAIL.nullable().optional(),
    webhookUrl: WEBHOOK_URL.nullable().optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: "give at least one setting" });

export type SettingsUpdate = z.infer<typeof settingsUpdateSchema>;

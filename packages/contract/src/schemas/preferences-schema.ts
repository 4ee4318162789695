import { z } from "zod";
import { EVENT_TYPES, getEventType, isEventTypeName } from "../catalog";
import {
  CHANNELS,
  DIGEST_INTERVALS,
  MAX_NOTIFICATIONS_PER_USER_PER_HOUR,
  SCOPES,
  type PreferenceUpdate,
  type SettingsUpdate,
  type TenantSettings,
} from "../preferences";
import { isoDateTime } from "./text-fields";

const eventTypeName = z.string().refine(isEventTypeName, { message: "unknown event type" });

const preferenceFields = {
  enabled: z.boolean().optional(),
  channels: z
    .array(z.enum(CHANNELS))
    .max(CHANNELS.length)
    .refine((c) => new Set(c).size === c.length, { message: "channels must not repeat" })
    .optional(),
  scope: z.enum(SCOPES).optional(),
};

export const preferenceUpdateSchema = z
  .object(preferenceFields)
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: "give at least one of enabled, channels, scope" });

export const tenantPreferenceUpdateSchema = z
  .object({ ...preferenceFields, required: z.boolean().optional() })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: "give at least one of enabled, channels, scope, required" })
  // A default that nobody may switch off and that says "nothing" would silence the type for everyone, for good.
  .refine((v) => !(v.required === true && (v.enabled === false || v.channels?.length === 0)), {
    message: "a required type must be enabled, with at least one channel",
    path: ["required"],
  });

/** One plain address (no display name, group or list): what the settings API stores and tokens' `email` claims must be. */
export const emailAddressSchema = z.email({ message: "must be an email address" }).max(254);
const MAX_WEBHOOK_URL = 2048;

/** The port of an authority that `new URL` refused, to say why (`https://host:99999/`). */
const PORT = /^[a-z][a-z0-9+.-]*:\/\/[^/?#@]*?:(\d+)(?:[/?#]|$)/i;

/** What is wrong with a webhook URL, in one parse of it, or undefined when it may be saved. */
function webhookUrlProblem(value: string): string | undefined {
  if (value.length > MAX_WEBHOOK_URL) return `must be at most ${MAX_WEBHOOK_URL} characters`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    const port = PORT.exec(value)?.[1];
    return port !== undefined && Number(port) > 65535 ? "its port must be between 1 and 65535" : "must be an http(s) URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must be an http(s) URL";
  if (url.port === "0") return "its port must be between 1 and 65535";
  if (url.username || url.password) return "must not carry credentials";
  return undefined;
}

/** An IANA zone name this runtime knows (`Europe/Berlin`, `UTC`); offsets and abbreviations are not names. */
export function isTimeZone(value: string): boolean {
  if (value.length > 64 || !/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(value)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** `HH:MM`, 00:00–23:59. */
const LOCAL_TIME = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

/** A webhook URL as it may be saved (a user's `webhookUrl`, a subscription's `url`); private addresses are the caller's to refuse (isPermittedLiteralHost). */
export const webhookUrlSchema = z.string().superRefine((value, ctx) => {
  const message = webhookUrlProblem(value);
  if (message) ctx.addIssue({ code: "custom", message });
});

export const settingsUpdateSchema = z
  .object({
    dndEnabled: z.boolean().optional(),
    dndUntil: isoDateTime.nullable().optional(),
    digestEnabled: z.boolean().optional(),
    digestInterval: z.enum(DIGEST_INTERVALS).optional(),
    digestTypes: z
      .array(eventTypeName)
      .max(EVENT_TYPES.length)
      .refine((types) => types.every((t) => !isEventTypeName(t) || !getEventType(t).critical), {
        message: "critical types are never digested",
      })
      .optional(),
    timezone: z.string().refine(isTimeZone, { message: "must be an IANA time zone name, e.g. Europe/Berlin" }).optional(),
    digestAt: z.string().regex(LOCAL_TIME, "must be a local time HH:MM (00:00–23:59)").nullable().optional(),
    email: emailAddressSchema.nullable().optional(),
    webhookUrl: webhookUrlSchema.nullable().optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: "give at least one setting" });

// The contract's REST types are what these schemas produce: a field added to one but not the other fails to compile.
type Produces<Schema extends z.ZodType, T> = z.infer<Schema> extends T ? true : false;
type MustHold<T extends true> = T;
type _SchemasProduceTheContractTypes = [
  MustHold<Produces<typeof preferenceUpdateSchema, PreferenceUpdate>>,
  MustHold<Produces<typeof settingsUpdateSchema, SettingsUpdate>>,
];

/** `PUT /api/v1/admin/tenant/settings`. */
export const tenantSettingsUpdateSchema = z
  .object({
    maxNotificationsPerUserPerHour: z
      .number()
      .int("must be a whole number")
      .min(0, "must be 0 (off) or more")
      .max(MAX_NOTIFICATIONS_PER_USER_PER_HOUR, `must be at most ${MAX_NOTIFICATIONS_PER_USER_PER_HOUR}`),
  })
  .strict() satisfies z.ZodType<TenantSettings>;

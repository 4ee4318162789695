import { z } from "zod";
import { EVENT_TYPES, getEventType, isEventTypeName } from "../catalog";
import { CHANNELS, DIGEST_INTERVALS, SCOPES, type PreferenceUpdate, type SettingsUpdate } from "../preferences";

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

/** One plain address (no display name, group or list): what the settings API stores and tokens' `email` claims must be. */
export const emailAddressSchema = z.email({ message: "must be an email address" }).max(254);
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
    email: emailAddressSchema.nullable().optional(),
    webhookUrl: WEBHOOK_URL.nullable().optional(),
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

import {
  DEFAULT_SETTINGS,
  isEventTypeName,
  type DigestInterval,
  type NotificationSettings,
  type SettingsUpdate,
  type UserSettings,
} from "@herald/contract";
import type { Database } from "@herald/db";
import { newWebhookSecret, type RecipientVersion } from "@herald/runtime";

export interface SettingsChange {
  readonly before: UserSettings;
  readonly after: UserSettings;
  /** Only when this update set a new webhook URL: shown once, never again. */
  readonly webhookSecret?: string;
}

type SettingsRow = Awaited<ReturnType<Database["userNotificationSettings"]["findUnique"]>>;

function view(row: SettingsRow, fallbackEmail: string | null): UserSettings {
  if (!row) return { ...DEFAULT_SETTINGS, dndUntil: null, email: fallbackEmail, webhookSecretSet: false };
  return {
    dndEnabled: row.dndEnabled,
    dndUntil: row.dndUntil?.toISOString() ?? null,
    digestEnabled: row.digestEnabled,
    digestInterval: row.digestInterval as DigestInterval,
    digestTypes: row.digestTypes.filter(isEventTypeName),
    timezone: row.timezone,
    digestAt: row.digestAt,
    email: row.email ?? fallbackEmail,
    webhookUrl: row.webhookUrl,
    webhookSecretSet: row.webhookSecret !== null,
  };
}

/** Whether an update changes when a local-time digest falls due. */
const reschedules = (update: SettingsUpdate): boolean =>
  update.digestEnabled !== undefined ||
  update.digestInterval !== undefined ||
  update.timezone !== undefined ||
  update.digestAt !== undefined;

export class SettingsRepository {
  constructor(
    private readonly db: Database,
    private readonly version: RecipientVersion,
  ) {}

  async get(userId: string): Promise<UserSettings> {
    const [row, user] = await Promise.all([
      this.db.userNotificationSettings.findUnique({ where: { userId } }),
      this.db.user.findUnique({ where: { id: userId }, select: { email: true } }),
    ]);
    return view(row, user?.email ?? null);
  }

  async update(userId: string, update: SettingsUpdate): Promise<SettingsChange> {
    const change = await this.db.$transaction(async (tx) => {
      const existing = await tx.userNotificationSettings.findUnique({ where: { userId } });
      const user = await tx.user.findUnique({ where: { id: userId }, select: { email: true } });
      const newWebhook = update.webhookUrl !== undefined && update.webhookUrl !== null && update.webhookUrl !== existing?.webhookUrl;
      const webhookSecret = newWebhook ? newWebhookSecret() : undefined;
      const digestTurnedOn = update.digestEnabled === true && !existing?.digestEnabled;
      const data = {
        ...(update.dndEnabled !== undefined && { dndEnabled: update.dndEnabled }),
        ...(update.dndUntil !== undefined && { dndUntil: update.dndUntil === null ? null : new Date(update.dndUntil) }),
        ...(update.digestEnabled !== undefined && { digestEnabled: update.digestEnabled }),
        ...(update.digestInterval !== undefined && { digestInterval: update.digestInterval }),
        ...(update.digestTypes !== undefined && { digestTypes: [...new Set(update.digestTypes)] }),
        ...(update.timezone !== undefined && { timezone: update.timezone }),
        ...(update.digestAt !== undefined && { digestAt: update.digestAt }),
        // The digest-scheduler schedules the next local-time digest from these; a change makes it schedule anew.
        ...(reschedules(update) && { digestNextAt: null }),
        ...(update.email !== undefined && { email: update.email }),
        ...(update.webhookUrl !== undefined && { webhookUrl: update.webhookUrl }),
        ...(update.webhookUrl === null && { webhookSecret: null }),
        ...(webhookSecret && { webhookSecret }),
        // The first digest period starts when digest mode is switched on.
        ...(digestTurnedOn && { digestLastSentAt: new Date() }),
      };
      const row = await tx.userNotificationSettings.upsert({ where: { userId }, create: { userId, ...data }, update: data });
      return { before: view(existing, user?.email ?? null), after: view(row, user?.email ?? null), webhookSecret };
    });
    await this.version.bump();
    return change;
  }
}

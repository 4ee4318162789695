import {
  defaultPreference,
  EVENT_TYPES,
  getEventType,
  type EventTypeName,
  type Preference,
  type PreferenceEntry,
  type PreferenceUpdate,
  type Scope,
  type Channel,
} from "@herald/contract";
import type { Database } from "@herald/db";
import type { RecipientVersion } from "@herald/runtime";

export class PreferencesRepository {
  constructor(
    private readonly db: Database,
    private readonly version: RecipientVersion,
  ) {}

  /** One entry per event type in the catalog, defaults filled in. */
  async list(userId: string): Promise<PreferenceEntry[]> {
    const rows = await this.db.notificationPreference.findMany({ where: { userId }, include: { eventType: { select: { name: true } } } });
    const stored = new Map(rows.map((r) => [r.eventType.name, r]));
    return EVENT_TYPES.map((t) => {
      const row = stored.get(t.name);
      const preference: Preference = row
        ? { enabled: row.isEnabled, channels: row.channels as Channel[], scope: row.scope as Scope }
        : defaultPreference(t.name);
      return { eventType: t.name, category: t.category, critical: t.critical, ...preference, isDefault: !row };
    });
  }

  async update(userId: string, type: EventTypeName, update: PreferenceUpdate): Promise<PreferenceEntry> {
    const base = defaultPreference(type);
    const eventType = await this.db.eventType.findUniqueOrThrow({ where: { name: type }, select: { id: true } });
    const row = await this.db.notificationPreference.upsert({
      where: { userId_eventTypeId: { userId, eventTypeId: eventType.id } },
      create: {
        userId,
        eventTypeId: eventType.id,
        isEnabled: update.enabled ?? base.enabled,
        channels: [...(update.channels ?? base.channels)],
        scope: update.scope ?? base.scope,
      },
      update: {
        ...(update.enabled !== undefined && { isEnabled: update.enabled }),
        ...(update.channels !== undefined && { channels: [...update.channels] }),
        ...(update.scope !== undefined && { scope: update.scope }),
      },
    });
    await this.version.bump();
    const definition = getEventType(type);
    return {
      eventType: type,
      category: definition.category,
      critical: definition.critical,
      enabled: row.isEnabled,
      channels: row.channels as Channel[],
      scope: row.scope as Scope,
      isDefault: false,
    };
  }
}

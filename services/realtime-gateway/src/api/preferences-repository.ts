import {
  ApiError,
  disablesOrMutes,
  effectivePreference,
  EVENT_TYPES,
  getEventType,
  tenantDefault,
  type Channel,
  type EventTypeName,
  type Preference,
  type PreferenceEntry,
  type PreferenceUpdate,
  type Scope,
} from "@herald/contract";
import { TenantPreferences, type Database } from "@herald/db";
import type { UserPrincipal } from "@herald/auth";
import type { RecipientVersion } from "@herald/runtime";

type Row = { isEnabled: boolean; channels: string[]; scope: string };
const ownPreference = (row: Row): Preference => ({
  enabled: row.isEnabled,
  channels: row.channels as Channel[],
  scope: row.scope as Scope,
});

/** A user's preferences, over their tenant's defaults (which follow the tenant as it changes them). */
export class PreferencesRepository {
  private readonly tenants: TenantPreferences;

  constructor(
    private readonly db: Database,
    private readonly version: RecipientVersion,
  ) {
    this.tenants = new TenantPreferences(db);
  }

  /** One entry per event type in the catalog: what applies to the user, their tenant's defaults filled in. */
  async list(user: UserPrincipal): Promise<PreferenceEntry[]> {
    const [rows, defaults] = await Promise.all([
      this.db.notificationPreference.findMany({ where: { userId: user.userId }, include: { eventType: { select: { name: true } } } }),
      this.tenants.of(user.tenant),
    ]);
    const stored = new Map(rows.map((r) => [r.eventType.name, ownPreference(r)]));
    return EVENT_TYPES.map((t) => {
      const tenant = defaults.get(t.name);
      return entry(t.name, effectivePreference(t.name, stored.get(t.name), tenant), !stored.has(t.name), tenant?.required ?? false);
    });
  }

  /**
   * Sets the user's own preference for a type (fields left out keep what
   * applies now). A type their tenant requires cannot be disabled or muted:
   * 409 preference_required, and nothing is stored.
   */
  async update(user: UserPrincipal, type: EventTypeName, update: PreferenceUpdate): Promise<PreferenceEntry> {
    const tenant = (await this.tenants.of(user.tenant)).get(type);
    if (tenant?.required && disablesOrMutes(update)) {
      throw new ApiError(409, "preference_required", `${type} is required by your organization: it cannot be disabled or muted`, [
        { path: update.enabled === false ? "enabled" : "channels", message: "required by your organization" },
      ]);
    }
    const base = tenantDefault(type, tenant);
    const eventType = await this.db.eventType.findUniqueOrThrow({ where: { name: type }, select: { id: true } });
    const row = await this.db.notificationPreference.upsert({
      where: { userId_eventTypeId: { userId: user.userId, eventTypeId: eventType.id } },
      create: {
        userId: user.userId,
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
    return entry(type, effectivePreference(type, ownPreference(row), tenant), false, tenant?.required ?? false);
  }
}

function entry(type: EventTypeName, preference: Preference, isDefault: boolean, required: boolean): PreferenceEntry {
  const definition = getEventType(type);
  return { eventType: type, category: definition.category, critical: definition.critical, ...preference, isDefault, required };
}

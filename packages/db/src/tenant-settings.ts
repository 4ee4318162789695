import type { Database } from "./client";

/** A tenant's settings (second wave, "Grouping, throttling and progress"). */
export interface TenantSettingsValues {
  /** Notifications one user gets per throttle window before non-critical ones are held back; 0: no limit. */
  readonly maxNotificationsPerUserPerHour: number;
}

export const DEFAULT_TENANT_SETTINGS: TenantSettingsValues = { maxNotificationsPerUserPerHour: 0 };

/**
 * The tenant_settings table. The operator API writes it; the router reads
 * the limit in the statement that stores a batch, so a change applies to the
 * next batch without any cache to invalidate.
 */
export class TenantSettings {
  constructor(private readonly db: Database) {}

  async of(tenant: string): Promise<TenantSettingsValues> {
    const row = await this.db.tenantSettings.findUnique({ where: { tenantId: tenant } });
    return row ? { maxNotificationsPerUserPerHour: row.maxNotificationsPerUserPerHour } : DEFAULT_TENANT_SETTINGS;
  }

  async update(tenant: string, update: Partial<TenantSettingsValues>): Promise<TenantSettingsValues> {
    const row = await this.db.tenantSettings.upsert({
      where: { tenantId: tenant },
      create: { tenantId: tenant, ...DEFAULT_TENANT_SETTINGS, ...update },
      update,
    });
    return { maxNotificationsPerUserPerHour: row.maxNotificationsPerUserPerHour };
  }
}

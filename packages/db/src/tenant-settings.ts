import type { TenantSettings } from "@herald/contract";
import type { Database } from "./client";

export const DEFAULT_TENANT_SETTINGS: TenantSettings = { maxNotificationsPerUserPerHour: 0 };

/**
 * The tenant_settings table. The operator API writes it; the router reads
 * the limit in the statement that stores a batch, so a change applies to the
 * next batch without any cache to invalidate.
 */
export class TenantSettingsStore {
  constructor(private readonly db: Database) {}

  async of(tenant: string): Promise<TenantSettings> {
    const row = await this.db.tenantSettings.findUnique({ where: { tenantId: tenant } });
    return row ? { maxNotificationsPerUserPerHour: row.maxNotificationsPerUserPerHour } : DEFAULT_TENANT_SETTINGS;
  }

  async update(tenant: string, update: Partial<TenantSettings>): Promise<TenantSettings> {
    const row = await this.db.tenantSettings.upsert({
      where: { tenantId: tenant },
      create: { tenantId: tenant, ...DEFAULT_TENANT_SETTINGS, ...update },
      update,
    });
    return { maxNotificationsPerUserPerHour: row.maxNotificationsPerUserPerHour };
  }
}

import {
  CHANNELS,
  SCOPES,
  isEventTypeName,
  tenantDefault,
  type Channel,
  type EventTypeName,
  type Scope,
  type TenantPreference,
  type TenantPreferenceUpdate,
} from "@herald/contract";
import type { Database } from "./client";

/** Each tenant's defaults that differ from the catalog's, by tenant, then by event type. */
export type TenantDefaults = ReadonlyMap<string, ReadonlyMap<EventTypeName, TenantPreference>>;

interface Row {
  tenant_id: string;
  type: string;
  is_enabled: boolean;
  channels: string[];
  scope: string;
  required: boolean;
}

const toPreference = (row: Pick<Row, "is_enabled" | "channels" | "scope" | "required">): TenantPreference => ({
  enabled: row.is_enabled,
  channels: row.channels.filter((c): c is Channel => (CHANNELS as readonly string[]).includes(c)),
  scope: (SCOPES as readonly string[]).includes(row.scope) ? (row.scope as Scope) : "my_jobs",
  required: row.required,
});

/**
 * The tenant_preferences table: a tenant's default per event type. The
 * operator API writes it; routers and gateways read it (routers cache it
 * with the rest of their recipient view, and a write bumps its version).
 */
export class TenantPreferences {
  constructor(private readonly db: Database) {}

  /** Every tenant's (routers load them all in one query, per recipient-view reload). */
  async all(): Promise<TenantDefaults> {
    return group(
      await this.db.$queryRaw<Row[]>`
      SELECT tp.tenant_id, et.name AS type, tp.is_enabled, tp.channels, tp.scope, tp.required
      FROM tenant_preferences tp JOIN event_types et ON et.id = tp.event_type_id`,
    );
  }

  async of(tenant: string): Promise<ReadonlyMap<EventTypeName, TenantPreference>> {
    const rows = await this.db.$queryRaw<Row[]>`
      SELECT tp.tenant_id, et.name AS type, tp.is_enabled, tp.channels, tp.scope, tp.required
      FROM tenant_preferences tp JOIN event_types et ON et.id = tp.event_type_id
      WHERE tp.tenant_id = ${tenant}`;
    return group(rows).get(tenant) ?? new Map();
  }

  /**
   * Sets a tenant's default for a type: fields left out keep their current
   * value (the catalog's when the tenant had none). One statement; the
   * merged result is what is stored and returned.
   */
  async update(
    tenant: string,
    type: EventTypeName,
    update: TenantPreferenceUpdate,
    current: TenantPreference | undefined,
  ): Promise<TenantPreference> {
    const base = tenantDefault(type, current);
    const merged: TenantPreference = {
      enabled: update.enabled ?? base.enabled,
      channels: update.channels ?? base.channels,
      scope: update.scope ?? base.scope,
      required: update.required ?? base.required,
    };
    const [row] = await this.db.$queryRaw<Row[]>`
      INSERT INTO tenant_preferences (tenant_id, event_type_id, is_enabled, channels, scope, required)
      SELECT ${tenant}, et.id, ${merged.enabled}, ${[...merged.channels]}::text[], ${merged.scope}, ${merged.required}
      FROM event_types et WHERE et.name = ${type}
      ON CONFLICT (tenant_id, event_type_id) DO UPDATE SET
        is_enabled = EXCLUDED.is_enabled, channels = EXCLUDED.channels, scope = EXCLUDED.scope,
        required = EXCLUDED.required, updated_at = now()
      RETURNING tenant_id, ${type}::text AS type, is_enabled, channels, scope, required`;
    return toPreference(row!);
  }
}

function group(rows: readonly Row[]): Map<string, Map<EventTypeName, TenantPreference>> {
  const byTenant = new Map<string, Map<EventTypeName, TenantPreference>>();
  for (const row of rows) {
    if (!isEventTypeName(row.type)) continue;
    let types = byTenant.get(row.tenant_id);
    if (!types) byTenant.set(row.tenant_id, (types = new Map()));
    types.set(row.type, toPreference(row));
  }
  return byTenant;
}

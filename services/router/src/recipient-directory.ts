import type { RedisClient } from "@herald/runtime";
import {
  CHANNELS,
  SCOPES,
  effectivePreference,
  isEventTypeName,
  splitTenantKey,
  type Channel,
  type EventTypeName,
  type Preference,
  type Scope,
  type TenantPreference,
} from "@herald/contract";
import { TenantPreferences, type Database, type TenantDefaults } from "@herald/db";
import { DEFAULT_PROFILE, type ScopeIndex, type UserProfile } from "./route-event";

interface ScopeRow {
  id: string;
  tenant_id: string;
  role: string;
  projects: string[] | null;
  type: string | null;
  scope: string | null;
}

interface ProfileRow {
  id: string;
  tenant_id: string;
  role: string;
  dnd_enabled: boolean | null;
  dnd_until: Date | null;
  digest_enabled: boolean | null;
  digest_types: string[] | null;
  prefs: { type: string; enabled: boolean; channels: string[]; scope: string }[];
}

class LoadedScopeIndex implements ScopeIndex {
  readonly admins: string[] = [];
  readonly byProject = new Map<string, string[]>();
  readonly everyone = new Map<string, string[]>();

  projectMembers(type: EventTypeName, projectId: string): readonly string[] {
    return this.byProject.get(`${type}\u0000${projectId}`) ?? [];
  }

  everyoneSubscribers(type: EventTypeName): readonly string[] {
    return this.everyone.get(type) ?? [];
  }
}

const NO_ONE: ScopeIndex = new LoadedScopeIndex();

/** Each tenant's admins and subscribers: routing looks only at the event's tenant's. */
export class TenantScopes {
  constructor(private readonly byTenant: ReadonlyMap<string, ScopeIndex>) {}

  of(tenant: string): ScopeIndex {
    return this.byTenant.get(tenant) ?? NO_ONE;
  }
}

const NO_DEFAULTS: ReadonlyMap<EventTypeName, TenantPreference> = new Map();

const asChannels = (values: readonly string[]): Channel[] =>
  values.filter((c): c is Channel => (CHANNELS as readonly string[]).includes(c));
const asScope = (value: string): Scope => ((SCOPES as readonly string[]).includes(value) ? (value as Scope) : "my_jobs");

/**
 * What the router knows about users, cached between batches, per tenant:
 * admins, who subscribed beyond their own events (scope my_projects/all, their
 * own or their tenant's default), the tenants' defaults, and per-user
 * preferences (with their tenant's defaults applied) and settings. A reload
 * costs three queries (tenant defaults, own scopes, followed defaults), and a
 * batch one for users not yet cached, whatever the fan-out.
 *
 * The gateway (user role, projects, preferences, settings) and ingest's
 * operator API (provisioning, tenant defaults) bump a version key in Redis on
 * every change; one GET per batch notices it and drops the cache. A TTL
 * bounds staleness should a bump ever be missed.
 */
export class RecipientDirectory {
  private version: string | null = null;
  private loadedAt = 0;
  private scopeIndex?: TenantScopes;
  private tenantDefaults: TenantDefaults = new Map();
  /** Replaced, never cleared, on a reload: a batch holding the previous one finishes with it. */
  private profiles = new Map<string, UserProfile>();
  /** The reload under way and the version it was asked for: callers wanting that version share it. */
  private reloading?: { readonly version: string | null; readonly done: Promise<void> };
  private readonly tenantPreferences: TenantPreferences;

  constructor(
    private readonly db: Database,
    private readonly redis: RedisClient,
    private readonly versionKey: string,
    private readonly ttlMs: number,
  ) {
    this.tenantPreferences = new TenantPreferences(db);
  }

  /**
   * Call once per batch (or fan-out chunk), before routing it. A version
   * bump is waited for: a changed preference applies to the next batch. Past
   * the TTL alone (the safety net for a missed bump) the index is reloaded
   * behind the batches, which route with the current one meanwhile: with
   * 100,000 subscribers in a tenant a reload takes a second or more, which
   * every event would otherwise wait.
   */
  async refresh(now = Date.now()): Promise<TenantScopes> {
    const version = await this.redis.get(this.versionKey);
    if (version !== this.version || !this.scopeIndex) await this.reload(version, now);
    else if (now - this.loadedAt > this.ttlMs && !this.reloading) void this.reload(version, now).catch(() => undefined);
    return this.scopeIndex!;
  }

  /** One reload at a time (the stream's batches and the fan-out's chunks both refresh); one for an older version is waited out first. */
  private reload(version: string | null, now: number): Promise<void> {
    if (this.reloading?.version === version) return this.reloading.done;
    const previous = this.reloading?.done.catch(() => undefined);
    const done: Promise<void> = (async () => {
      await previous;
      // Tenant defaults first: who subscribes beyond their own events depends on them.
      const defaults = await this.tenantPreferences.all();
      const index = await this.loadScopeIndex();
      this.tenantDefaults = defaults;
      this.scopeIndex = index;
      this.profiles = new Map();
      this.version = version;
      this.loadedAt = now;
    })().finally(() => {
      if (this.reloading?.done === done) this.reloading = undefined;
    });
    this.reloading = { version, done };
    return done;
  }

  /**
   * Profiles for these users; unknown users get the defaults. The answer is
   * its own: a reload by a batch prepared beside this one (the consumer
   * prepares the next batch while this one is stored) does not change it.
   * With `keep` false (a large fan-out's chunk) those not cached are loaded
   * for this call only: 100,000 recipients would otherwise stay in the cache,
   * as much memory as the fan-out's chunking saves.
   */
  async profilesFor(
    userIds: Iterable<string>,
    { keep = true }: { readonly keep?: boolean } = {},
  ): Promise<(userId: string) => UserProfile> {
    const wanted = [...new Set(userIds)];
    const found = new Map<string, UserProfile>();
    for (const id of wanted) {
      const profile = this.profiles.get(id);
      if (profile) found.set(id, profile);
    }
    const missing = wanted.filter((id) => !found.has(id));
    if (missing.length > 0) {
      const rows = await this.db.$queryRaw<ProfileRow[]>`
        SELECT u.id, u.tenant_id, u.role, s.dnd_enabled, s.dnd_until, s.digest_enabled, s.digest_types,
          COALESCE(json_agg(json_build_object('type', et.name, 'enabled', p.is_enabled, 'channels', p.channels, 'scope', p.scope))
                   FILTER (WHERE p.id IS NOT NULL), '[]') AS prefs
        FROM users u
        LEFT JOIN user_notification_settings s ON s.user_id = u.id
        LEFT JOIN notification_preferences p ON p.user_id = u.id
        LEFT JOIN event_types et ON et.id = p.event_type_id
        WHERE u.id = ANY(${missing}::text[])
        GROUP BY u.id, s.id`;
      for (const row of rows) found.set(row.id, toProfile(row, this.defaultsOf(row.tenant_id)));
      for (const id of missing) if (!found.has(id)) found.set(id, this.newUserProfile(id));
      if (keep) for (const id of missing) this.profiles.set(id, found.get(id)!);
    }
    return (userId) => found.get(userId) ?? this.newUserProfile(userId);
  }

  private defaultsOf(tenant: string): ReadonlyMap<EventTypeName, TenantPreference> {
    return this.tenantDefaults.get(tenant) ?? NO_DEFAULTS;
  }

  /** A user the event names for the first time: their tenant's defaults (the key says which tenant). */
  private newUserProfile(userId: string): UserProfile {
    const defaults = this.defaultsOf(splitTenantKey(userId).tenant);
    return defaults.size === 0
      ? DEFAULT_PROFILE
      : { ...DEFAULT_PROFILE, preferences: effectivePreferences(new Map(), defaults), required: requiredTypes(defaults) };
  }

  private async loadScopeIndex(): Promise<TenantScopes> {
    const rows = await this.db.$queryRaw<ScopeRow[]>`
      SELECT u.id, u.tenant_id, u.role, u.projects, et.name AS type, p.scope
      FROM users u
      LEFT JOIN notification_preferences p ON p.user_id = u.id AND p.scope <> 'my_jobs' AND p.is_enabled AND cardinality(p.channels) > 0
        -- An own scope for a type the tenant requires does not count: the tenant's applies.
        AND NOT EXISTS (SELECT 1 FROM tenant_preferences tp
                        WHERE tp.tenant_id = u.tenant_id AND tp.event_type_id = p.event_type_id AND tp.required)
      LEFT JOIN event_types et ON et.id = p.event_type_id
      WHERE u.role = 'admin' OR p.id IS NOT NULL`;
    // Users who follow a tenant default reaching beyond their own events: no own row for the
    // type, or a required default, which overrides theirs.
    const following = await this.db.$queryRaw<ScopeRow[]>`
      SELECT u.id, u.tenant_id, 'user' AS role, u.projects, et.name AS type, tp.scope
      FROM tenant_preferences tp
      JOIN event_types et ON et.id = tp.event_type_id
      JOIN users u ON u.tenant_id = tp.tenant_id
      LEFT JOIN notification_preferences p ON p.user_id = u.id AND p.event_type_id = tp.event_type_id
      WHERE tp.scope <> 'my_jobs' AND tp.is_enabled AND cardinality(tp.channels) > 0 AND (p.id IS NULL OR tp.required)`;
    const byTenant = new Map<string, LoadedScopeIndex>();
    const admins = new Set<string>();
    for (const row of [...rows, ...following]) {
      let index = byTenant.get(row.tenant_id);
      if (!index) byTenant.set(row.tenant_id, (index = new LoadedScopeIndex()));
      // One row per preference: an admin with several is still one admin.
      if (row.role === "admin" && !admins.has(row.id)) {
        admins.add(row.id);
        index.admins.push(row.id);
      }
      if (!row.type || !row.scope) continue;
      if (row.scope === "all") {
        appendTo(index.everyone, row.type, row.id);
      } else {
        for (const project of row.projects ?? []) appendTo(index.byProject, `${row.type}\u0000${project}`, row.id);
      }
    }
    for (const index of byTenant.values()) index.admins.sort();
    return new TenantScopes(byTenant);
  }
}

function appendTo(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** A user's own preferences with their tenant's defaults applied (effectivePreference, per type either has). */
function effectivePreferences(
  own: ReadonlyMap<EventTypeName, Preference>,
  defaults: ReadonlyMap<EventTypeName, TenantPreference>,
): Map<string, Preference> {
  const preferences = new Map<string, Preference>();
  for (const type of new Set([...own.keys(), ...defaults.keys()])) {
    preferences.set(type, effectivePreference(type, own.get(type), defaults.get(type)));
  }
  return preferences;
}

function requiredTypes(defaults: ReadonlyMap<EventTypeName, TenantPreference>): Set<string> {
  return new Set([...defaults].filter(([, d]) => d.required).map(([type]) => type));
}

function toProfile(row: ProfileRow, defaults: ReadonlyMap<EventTypeName, TenantPreference>): UserProfile {
  const own = new Map<EventTypeName, Preference>();
  for (const p of row.prefs) {
    if (isEventTypeName(p.type)) own.set(p.type, { enabled: p.enabled, channels: asChannels(p.channels ?? []), scope: asScope(p.scope) });
  }
  return {
    isAdmin: row.role === "admin",
    preferences: effectivePreferences(own, defaults),
    required: requiredTypes(defaults),
    settings: {
      dndEnabled: row.dnd_enabled ?? false,
      dndUntil: row.dnd_until,
      digestEnabled: row.digest_enabled ?? false,
      digestTypes: (row.digest_types ?? DEFAULT_PROFILE.settings.digestTypes).filter(isEventTypeName),
    },
  };
}

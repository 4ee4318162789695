import type { Redis } from "ioredis";
import { CHANNELS, SCOPES, isEventTypeName, type Channel, type EventTypeName, type Preference, type Scope } from "@herald/contract";
import type { Database } from "@herald/db";
import { DEFAULT_PROFILE, type ScopeIndex, type UserProfile } from "./route-event";

interface ScopeRow {
  id: string;
  role: string;
  projects: string[] | null;
  type: string | null;
  scope: string | null;
}

interface ProfileRow {
  id: string;
  role: string;
  dnd_enabled: boolean | null;
  dnd_until: Date | null;
  digest_enabled: boolean | null;
  digest_types: string[] | null;
  prefs: { type: string; enabled: boolean; channels: string[]; scope: string }[];
}

class LoadedScopeIndex implements ScopeIndex {
  constructor(
    readonly admins: readonly string[],
    private readonly byProject: ReadonlyMap<string, readonly string[]>,
    private readonly everyone: ReadonlyMap<string, readonly string[]>,
  ) {}

  projectMembers(type: EventTypeName, projectId: string): readonly string[] {
    return this.byProject.get(`${type}\u0000${projectId}`) ?? [];
  }

  everyoneSubscribers(type: EventTypeName): readonly string[] {
    return this.everyone.get(type) ?? [];
  }
}

const asChannels = (values: readonly string[]): Channel[] =>
  values.filter((c): c is Channel => (CHANNELS as readonly string[]).includes(c));
const asScope = (value: string): Scope => ((SCOPES as readonly string[]).includes(value) ? (value as Scope) : "my_jobs");

/**
 * What the router knows about users, cached between batches: admins, who
 * subscribed beyond their own events (scope my_projects/all), and per-user
 * preferences and settings. Loading costs one query for the scope index and
 * one per batch for users not yet cached, whatever the fan-out.
 *
 * The gateway bumps a version key in Redis whenever a user's role, projects,
 * preferences or settings change; one GET per batch notices it and drops the
 * cache. A TTL bounds staleness should a bump ever be missed.
 */
export class RecipientDirectory {
  private version: string | null = null;
  private loadedAt = 0;
  private scopeIndex?: LoadedScopeIndex;
  private readonly profiles = new Map<string, UserProfile>();

  constructor(
    private readonly db: Database,
    private readonly redis: Redis,
    private readonly versionKey: string,
    private readonly ttlMs: number,
  ) {}

  /** Call once per batch, before routing it. */
  async refresh(now = Date.now()): Promise<ScopeIndex> {
    const version = await this.redis.get(this.versionKey);
    if (version !== this.version || now - this.loadedAt > this.ttlMs || !this.scopeIndex) {
      this.profiles.clear();
      this.scopeIndex = await this.loadScopeIndex();
      this.version = version;
      this.loadedAt = now;
    }
    return this.scopeIndex;
  }

  /** Profiles for these users; unknown users get the defaults. */
  async profilesFor(userIds: Iterable<string>): Promise<(userId: string) => UserProfile> {
    const missing = [...new Set(userIds)].filter((id) => !this.profiles.has(id));
    if (missing.length > 0) {
      const rows = await this.db.$queryRaw<ProfileRow[]>`
        SELECT u.id, u.role, s.dnd_enabled, s.dnd_until, s.digest_enabled, s.digest_types,
          COALESCE(json_agg(json_build_object('type', et.name, 'enabled', p.is_enabled, 'channels', p.channels, 'scope', p.scope))
                   FILTER (WHERE p.id IS NOT NULL), '[]') AS prefs
        FROM users u
        LEFT JOIN user_notification_settings s ON s.user_id = u.id
        LEFT JOIN notification_preferences p ON p.user_id = u.id
        LEFT JOIN event_types et ON et.id = p.event_type_id
        WHERE u.id = ANY(${missing}::text[])
        GROUP BY u.id, s.id`;
      for (const row of rows) this.profiles.set(row.id, toProfile(row));
      for (const id of missing) if (!this.profiles.has(id)) this.profiles.set(id, DEFAULT_PROFILE);
    }
    return (userId) => this.profiles.get(userId) ?? DEFAULT_PROFILE;
  }

  private async loadScopeIndex(): Promise<LoadedScopeIndex> {
    const rows = await this.db.$queryRaw<ScopeRow[]>`
      SELECT u.id, u.role, u.projects, et.name AS type, p.scope
      FROM users u
      LEFT JOIN notification_preferences p ON p.user_id = u.id AND p.scope <> 'my_jobs' AND p.is_enabled AND cardinality(p.channels) > 0
      LEFT JOIN event_types et ON et.id = p.event_type_id
      WHERE u.role = 'admin' OR p.id IS NOT NULL`;
    const admins = new Set<string>();
    const byProject = new Map<string, string[]>();
    const everyone = new Map<string, string[]>();
    for (const row of rows) {
      if (row.role === "admin") admins.add(row.id);
      if (!row.type || !row.scope) continue;
      if (row.scope === "all") {
        appendTo(everyone, row.type, row.id);
      } else {
        for (const project of row.projects ?? []) appendTo(byProject, `${row.type}\u0000${project}`, row.id);
      }
    }
    return new LoadedScopeIndex([...admins].sort(), byProject, everyone);
  }
}

function appendTo(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function toProfile(row: ProfileRow): UserProfile {
  const preferences = new Map<string, Preference>();
  for (const p of row.prefs) {
    if (isEventTypeName(p.type))
      preferences.set(p.type, { enabled: p.enabled, channels: asChannels(p.channels ?? []), scope: asScope(p.scope) });
  }
  return {
    isAdmin: row.role === "admin",
    preferences,
    settings: {
      dndEnabled: row.dnd_enabled ?? false,
      dndUntil: row.dnd_until,
      digestEnabled: row.digest_enabled ?? false,
      digestTypes: (row.digest_types ?? DEFAULT_PROFILE.settings.digestTypes).filter(isEventTypeName),
    },
  };
}

import { ApiError, tenantKey } from "@herald/contract";
import type { Database } from "@herald/db";
import type { UserProvision } from "./admin-requests";

export interface ProvisionedUser {
  readonly id: string;
  readonly email: string | null;
  readonly role: string;
  readonly projects: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Tells routers that who receives what may have changed (RecipientVersion in @herald/runtime, or a test double). */
export interface RecipientCacheVersion {
  bump(): Promise<void>;
}

/**
 * Creates or updates a user ahead of their first login, so that routing
 * (admins for system events, projects for `my_projects`) knows them before
 * they ever connect. Fields left out keep their stored value; a new user
 * gets the defaults (role user, no projects). Their tokens' claims still
 * win when they log in, as for every user.
 */
export class UserProvisioning {
  constructor(
    private readonly db: Database,
    private readonly version: RecipientCacheVersion,
  ) {}

  /** `id` as the tenant names the user (their tokens' sub). */
  async provision(tenant: string, id: string, fields: UserProvision): Promise<ProvisionedUser> {
    const data = {
      ...(fields.email !== undefined && { email: fields.email }),
      ...(fields.role !== undefined && { role: fields.role }),
      ...(fields.projects !== undefined && { projects: fields.projects }),
    };
    const key = tenantKey(tenant, id);
    const user = await this.db.user.upsert({ where: { id: key }, create: { id: key, tenantId: tenant, ...data }, update: data });
    // Routers cache users' roles and projects: make them read this one again.
    try {
      await this.version.bump();
    } catch {
      // Stored, but routers go on with their cached view until it expires. A
      // PUT is safe to repeat: the client is told to, and the repeat bumps.
      throw new ApiError(503, "redis_unavailable", "the user was stored but routers could not be told to reload users; repeat the request");
    }
    return {
      id,
      email: user.email,
      role: user.role,
      projects: user.projects,
      createdAt: user.createdAt.toISOString(),
      updatedAt: user.updatedAt.toISOString(),
    };
  }
}

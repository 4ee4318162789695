import { createHash, randomBytes } from "node:crypto";
import type { RedisClient } from "@herald/runtime";
import type { UserPrincipal } from "@herald/auth";
import { DEFAULT_TENANT } from "@herald/contract";

/** 32 random bytes, base64url: what a session cookie holds, and nothing else. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * How long a session may still live, in ms, from `nowMs`: until the token it
 * was opened with expires, and at most `idleSeconds` past its last use; 0
 * when it is over.
 */
export function sessionTtlMs(nowMs: number, expiresAtSeconds: number, idleSeconds: number): number {
  return Math.max(0, Math.min(idleSeconds * 1000, expiresAtSeconds * 1000 - nowMs));
}

interface StoredSession {
  readonly userId: string;
  /** Absent in sessions opened before tenants, whose userId was the sub. */
  readonly subject?: string;
  /** Absent in sessions opened before tenants. */
  readonly tenant?: string;
  readonly role: UserPrincipal["role"];
  readonly email?: string;
  readonly projects?: readonly string[];
  readonly expiresAt: number;
}

/**
 * Dashboard sessions in Redis. The cookie carries a random id, not the admin
 * token, so logging out (revoke) ends the session for good, and one left
 * unused for the idle time ends by itself. Keys are named by a hash of the
 * id: reading Redis gives no cookie to replay.
 */
export class AdminSessionStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
    private readonly idleSeconds: number,
  ) {}

  /** Opens a session for an admin whose token expires at `expiresAt`; undefined if it already has. */
  async create(admin: UserPrincipal & { readonly expiresAt: number }): Promise<string | undefined> {
    const ttlMs = sessionTtlMs(Date.now(), admin.expiresAt, this.idleSeconds);
    if (ttlMs === 0) return undefined;
    const id = randomBytes(32).toString("base64url");
    const session: StoredSession = {
      userId: admin.userId,
      subject: admin.subject,
      tenant: admin.tenant,
      role: admin.role,
      ...(admin.email !== undefined && { email: admin.email }),
      ...(admin.projects !== undefined && { projects: admin.projects }),
      expiresAt: admin.expiresAt,
    };
    await this.redis.set(this.key(id), JSON.stringify(session), "PX", ttlMs);
    return id;
  }

  /** The admin a live session speaks for, its idle time restarted; undefined for an unknown, ended or malformed one. */
  async find(id: string): Promise<UserPrincipal | undefined> {
    if (!SESSION_ID.test(id)) return undefined;
    const key = this.key(id);
    const text = await this.redis.get(key);
    if (text === null) return undefined;
    const session = JSON.parse(text) as StoredSession;
    const ttlMs = sessionTtlMs(Date.now(), session.expiresAt, this.idleSeconds);
    if (ttlMs === 0) {
      await this.redis.del(key);
      return undefined;
    }
    // A logout between the GET and here leaves nothing for PEXPIRE to revive.
    await this.redis.pexpire(key, ttlMs);
    return {
      kind: "user",
      userId: session.userId,
      subject: session.subject ?? session.userId,
      // Sessions stored before tenants existed belong to `default`, as their tokens did.
      tenant: session.tenant ?? DEFAULT_TENANT,
      role: session.role,
      ...(session.email !== undefined && { email: session.email }),
      ...(session.projects !== undefined && { projects: session.projects }),
      expiresAt: session.expiresAt,
    };
  }

  async revoke(id: string): Promise<void> {
    if (SESSION_ID.test(id)) await this.redis.del(this.key(id));
  }

  private key(id: string): string {
    return this.keyPrefix + createHash("sha256").update(id).digest("base64url");
  }
}

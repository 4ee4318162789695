import type { Database } from "@herald/db";
import type { UserPrincipal } from "@herald/auth";
import type { RecipientVersion } from "@herald/runtime";

const MAX_REMEMBERED = 50_000;

/**
 * Upserts the user a token speaks for, the first time the token's claims are
 * seen by this process (not on every request).
 */
export class UserSync {
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly db: Database,
    private readonly version: RecipientVersion,
  ) {}

  async ensure(user: UserPrincipal): Promise<void> {
    const fingerprint = JSON.stringify([user.role, user.email ?? null, user.projects ?? null]);
    if (this.seen.get(user.userId) === fingerprint) return;
    const projects = user.projects ? [...user.projects] : null;
    const changed = await this.db.$executeRaw`
      INSERT INTO users (id, tenant_id, email, role, projects)
      VALUES (${user.userId}, ${user.tenant}, ${user.email ?? null}, ${user.role}, COALESCE(${projects}::text[], '{}'))
      ON CONFLICT (id) DO UPDATE SET
        email = COALESCE(EXCLUDED.email, users.email),
        role = EXCLUDED.role,
        projects = COALESCE(${projects}::text[], users.projects),
        updated_at = now()
      WHERE (users.email, users.role, users.projects) IS DISTINCT FROM
            (COALESCE(EXCLUDED.email, users.email), EXCLUDED.role, COALESCE(${projects}::text[], users.projects))`;
    // A new admin, or new projects, change who routers send events to.
    if (changed > 0) await this.version.bump();
    if (this.seen.size >= MAX_REMEMBERED) this.seen.clear();
    this.seen.set(user.userId, fingerprint);
  }
}

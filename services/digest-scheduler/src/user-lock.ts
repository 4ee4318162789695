import type { Database } from "@herald/db";

/**
 * Runs `work` while holding the user's settings row lock, so scheduler
 * replicas dispatching the same user's notifications take turns: the second
 * finds them already dispatched instead of pushing them again. `work` uses
 * its own connections (committed data); the lock is only a turnstile.
 */
export async function withUserLock<T>(db: Database, userId: string, work: () => Promise<T>): Promise<T> {
  return db.$transaction(
    async (tx) => {
      await tx.$queryRaw`SELECT 1 FROM user_notification_settings WHERE user_id = ${userId} FOR UPDATE`;
      return work();
    },
    // Dispatching a user's notifications is a few round trips; the default 5 s is tight under load.
    { timeout: 30_000, maxWait: 30_000 },
  );
}

import { scheduledPending, unreadCounts, type Database } from "@herald/db";
import type { Dispatcher } from "@herald/dispatch";

/**
 * Dispatches a user's notifications that the scheduler owns and has not yet
 * sent out (DND releases, digests), oldest first, on every channel they have.
 * Safe to repeat after a crash: only rows still undispatched are sent.
 */
export async function dispatchPending(db: Database, dispatcher: Dispatcher, userId: string, kind: "released" | "digest"): Promise<number> {
  const pending = await scheduledPending(db, userId, kind);
  if (pending.length === 0) return 0;
  await dispatcher.dispatch(pending, await unreadCounts(db, [userId]));
  return pending.length;
}

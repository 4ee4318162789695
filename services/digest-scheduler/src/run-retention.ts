import {
  deleteDecisionRecordsBatch,
  deleteEvents,
  deleteReadNotificationsBatch,
  detachNotificationsBatch,
  expiredEvents,
  trimUserBatch,
  unreadCounts,
  usersOverCap,
  type Database,
} from "@herald/db";
import type { NotificationPusher } from "@herald/dispatch";
import type { RetentionConfig } from "./config";
import { moreToDelete, retentionCutoffs } from "./retention-policy";

/**
 * Users checked against the cap per statement. Each costs up to cap + 1
 * index entries, so a page stays a short read however large the table.
 */
const CAP_USERS_PER_PAGE = 100;

export interface RetentionOutcome {
  readonly events: number;
  readonly readNotifications: number;
  /** Notifications deleted by the per-user cap. */
  readonly overCap: number;
}

/**
 * One retention run: events past EVENT_RETENTION_MS, read notifications past
 * NOTIFICATION_RETENTION_MS, then every user over NOTIFICATION_MAX_PER_USER,
 * each as bounded batches repeated until one comes back short. Unread counts
 * are counted from the rows, so they stay right by themselves; sockets of
 * users who lost unread notifications to the cap are told their new count.
 */
export async function runRetention(
  db: Database,
  pusher: NotificationPusher,
  config: RetentionConfig,
  now: Date,
): Promise<RetentionOutcome> {
  const { batchSize, maxPerUser } = config;
  const cutoffs = retentionCutoffs(now, config);
  const events = await deleteExpiredEvents(db, cutoffs.events, batchSize);
  const readNotifications = await drain(() => deleteReadNotificationsBatch(db, cutoffs.readNotifications, batchSize), batchSize);

  let overCap = 0;
  const lostUnread: string[] = [];
  let after: string | undefined;
  do {
    const page = await usersOverCap(db, after, CAP_USERS_PER_PAGE, maxPerUser);
    for (const userId of page.overCap) {
      overCap += await drain(() => trimUserBatch(db, userId, maxPerUser, "read", batchSize), batchSize);
      const unread = await drain(() => trimUserBatch(db, userId, maxPerUser, "unread", batchSize), batchSize);
      if (unread > 0) lostUnread.push(userId);
      overCap += unread;
    }
    after = page.next;
  } while (after !== undefined);

  if (lostUnread.length > 0) await pusher.pushUnreadCounts(await unreadCounts(db, lostUnread));
  return { events, readNotifications, overCap };
}

/**
 * Events in batches: the oldest `batch`, their notifications detached
 * (payload copied) and their decision records deleted `batch` at a time,
 * then the events deleted. Returns how
 * many events went. A batch of which nothing could be deleted (another run
 * holds it) ends this run rather than spin on it.
 */
async function deleteExpiredEvents(db: Database, before: Date, batch: number): Promise<number> {
  let total = 0;
  for (;;) {
    const ids = await expiredEvents(db, before, batch);
    if (ids.length === 0) return total;
    await drain(() => detachNotificationsBatch(db, ids, batch), batch);
    await drain(() => deleteDecisionRecordsBatch(db, ids, batch), batch);
    const deleted = await deleteEvents(db, ids);
    total += deleted;
    if (deleted === 0 || !moreToDelete(ids.length, batch)) return total;
  }
}

async function drain(batch: () => Promise<number>, size: number): Promise<number> {
  let total = 0;
  let deleted: number;
  do {
    deleted = await batch();
    total += deleted;
  } while (moreToDelete(deleted, size));
  return total;
}

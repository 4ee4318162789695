export { createDatabase, pingDatabase, type Database } from "./client";
export { isDatabaseUnavailable } from "./database-unavailable";
export { applyMigrations, defaultMigrationsDir, ensureDatabase, migrationsFor, type MigrateOptions, type MigrateResult } from "./migrate";
export { Prisma } from "./generated/prisma/client";
export { NOTIFICATION_STATUSES, VISIBLE_STATUSES, type NotificationStatus } from "./notification-status";
export {
  deleteEvents,
  deleteReadNotificationsBatch,
  detachNotificationsBatch,
  expiredEvents,
  trimUserBatch,
  usersOverCap,
  type UserPage,
} from "./retention";
export { toPendingNotification, type PendingNotification, type PendingNotificationRow } from "./pending-notification";
export {
  createDeliveries,
  dndOff,
  lockDigestBound,
  markDispatched,
  releaseHeldRows,
  scheduledPending,
  storeDigest,
  unreadCounts,
  usersWithReleasableHolds,
  visibleTo,
  VISIBLE_NOTIFICATION,
  VISIBLE_UNREAD,
  type DigestBoundRow,
  type DigestNotification,
  type QueuedDelivery,
} from "./notification-lifecycle";
export { TenantPreferences, type TenantDefaults } from "./tenant-preferences";
export { DecisionRecords, deleteDecisionRecordsBatch } from "./decision-records";
export { DEFAULT_TENANT_SETTINGS, TenantSettingsStore } from "./tenant-settings";
export { pendingThrottleSummaries, summarizeThrottled, throttleWindowStart } from "./throttle";
export {
  RECENT_OUTCOMES,
  Subscriptions,
  TenantSubscriptions,
  newReplayId,
  newSubscriptionId,
  type NewSubscription,
  type ReplayRequest,
  type ReplayResult,
  type SubscriptionChange,
  type SubscriptionPage,
} from "./subscriptions";
export { createSubscriptionDeliveries, type SubscriptionMatch } from "./subscription-deliveries";

export { createDatabase, pingDatabase, type Database } from "./client";
export { applyMigrations, defaultMigrationsDir, ensureDatabase, migrationsFor, type MigrateOptions, type MigrateResult } from "./migrate";
export { Prisma } from "./generated/prisma/client";
export { createDeliveries, markDispatched, unreadCounts, VISIBLE_UNREAD, type QueuedDelivery } from "./notification-queries";
export { NOTIFICATION_STATUSES, VISIBLE_STATUSES, type NotificationStatus } from "./notification-status";

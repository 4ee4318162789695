export { createDatabase, pingDatabase, type Database } from "./client";
export { applyMigrations, defaultMigrationsDir, ensureDatabase, type MigrateOptions, type MigrateResult } from "./migrate";
export { Prisma } from "./generated/prisma/client";
export { markPushed, unreadCounts, VISIBLE_UNREAD } from "./notification-queries";

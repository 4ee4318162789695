-- Daily digests at a local time: the user's zone, the time, and when the next one is due.
ALTER TABLE "user_notification_settings" ADD COLUMN "timezone" TEXT NOT NULL DEFAULT 'UTC',
ADD COLUMN "digest_at" TEXT,
ADD COLUMN "digest_next_at" TIMESTAMPTZ(6);

-- Not expressible in Prisma's schema language: the scheduler's tick looks up only the users whose
-- local-time digest is due (or not yet scheduled), never every user with digests on.
CREATE INDEX "user_notification_settings_digest_next_at_idx" ON "user_notification_settings" ("digest_next_at")
WHERE "digest_enabled" AND "digest_at" IS NOT NULL AND "digest_interval" = 'daily';

-- AlterTable
ALTER TABLE "notifications" ADD COLUMN     "dedupe_key" TEXT,
ADD COLUMN     "payload" JSONB,
ADD COLUMN     "status" TEXT NOT NULL DEFAULT 'pending',
ALTER COLUMN "event_id" DROP NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "notifications_dedupe_key_key" ON "notifications"("dedupe_key");

-- Rows from before this migration that were already pushed.
UPDATE "notifications" SET "status" = 'delivered' WHERE "is_delivered";

-- The digest scheduler looks up held (DND) and digest-bound rows per user;
-- both sets are small next to the whole table (partial indexes: not
-- expressible in Prisma's schema language).
CREATE INDEX "notifications_held_idx" ON "notifications"("user_id", "id") WHERE "status" = 'held';
CREATE INDEX "notifications_digest_idx" ON "notifications"("user_id", "id") WHERE "status" = 'digest';
CREATE INDEX "user_notification_settings_digest_idx" ON "user_notification_settings"("digest_last_sent_at") WHERE "digest_enabled";
CREATE INDEX "user_notification_settings_dnd_idx" ON "user_notification_settings"("dnd_until") WHERE "dnd_enabled";

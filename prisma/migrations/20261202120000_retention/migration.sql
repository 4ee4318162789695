-- Retention (the digest-scheduler) deletes events older than EVENT_RETENTION_MS,
-- but a notification outlives its event: deleting an event used to cascade to
-- its notifications. Now the event's row goes and its notifications stay,
-- with event_id set to NULL (retention copies the event's payload into them
-- in the same statement, before the event goes).
ALTER TABLE "notifications" DROP CONSTRAINT "notifications_event_id_fkey";

-- AddForeignKey
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "events"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Indexes for retention's batches, so that none of them scans the table
-- (partial indexes: not expressible in Prisma's schema language). Events go
-- oldest first through events_created_at_idx, their notifications are found
-- through notifications_event_id_user_id_key, deliveries through
-- deliveries_notification_id_channel_key.
-- Read notifications past NOTIFICATION_RETENTION_MS, oldest first.
CREATE INDEX "notifications_read_created_at_idx" ON "notifications"("created_at", "id") WHERE "is_read";
-- A user's read notifications, oldest first, for the per-user cap (the
-- unread ones have notifications_user_unread_idx).
CREATE INDEX "notifications_user_read_idx" ON "notifications"("user_id", "id") WHERE "is_read";

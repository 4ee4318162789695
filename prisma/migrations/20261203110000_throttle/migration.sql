-- A tenant's settings (operator API): the per-user throttle, 0 = off.
CREATE TABLE "tenant_settings" (
    "tenant_id" TEXT NOT NULL,
    "max_notifications_per_user_per_hour" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenant_settings_pkey" PRIMARY KEY ("tenant_id")
);

-- The router counts a throttled tenant's users' notifications of the current window.
CREATE INDEX "notifications_user_id_created_at_idx" ON "notifications"("user_id", "created_at");

-- Not expressible in Prisma's schema language: the scheduler's tick finds the throttled notifications
-- of windows that are over, to summarize them, without scanning the table.
CREATE INDEX "notifications_throttled_idx" ON "notifications"("created_at", "id") WHERE "status" = 'throttled';

-- The scheduler pushes the summaries it stored and has not pushed yet (also after a crash).
CREATE INDEX "notifications_throttle_summary_pending_idx" ON "notifications"("id") WHERE "status" = 'pending' AND "event_type" = 'throttled';

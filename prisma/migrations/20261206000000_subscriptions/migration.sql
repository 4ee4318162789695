-- Webhook subscriptions (second wave, "Event subscriptions"): a service of a tenant receives
-- every event of that tenant matching its patterns and filter, signed with its own secret.
-- ingest's subscription API writes these rows; routers read the active ones into an index.
CREATE TABLE "subscriptions" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "producer" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "event_types" TEXT[] NOT NULL,
    "project_id" TEXT,
    "source_type" TEXT,
    "description" TEXT,
    "status" TEXT NOT NULL DEFAULT 'active',
    "secret" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "subscriptions_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "subscriptions_tenant_id_created_at_idx" ON "subscriptions"("tenant_id", "created_at");

-- A delivery is a notification's (email, webhook) or a subscription's (channel `subscription`):
-- one event to one subscription, or to it again by a replay. Subscription deliveries go with
-- their subscription (DELETE) and with their event (retention); they have no notification or user.
ALTER TABLE "deliveries" ALTER COLUMN "notification_id" DROP NOT NULL;
ALTER TABLE "deliveries" ALTER COLUMN "user_id" DROP NOT NULL;
ALTER TABLE "deliveries" ADD COLUMN "subscription_id" TEXT;
ALTER TABLE "deliveries" ADD COLUMN "event_id" TEXT;
ALTER TABLE "deliveries" ADD COLUMN "replay_id" TEXT;
ALTER TABLE "deliveries" ADD COLUMN "replay_seq" INTEGER;
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_notification_or_subscription_check"
    CHECK (("notification_id" IS NOT NULL AND "user_id" IS NOT NULL) OR ("subscription_id" IS NOT NULL AND "event_id" IS NOT NULL));

ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_subscription_id_fkey" FOREIGN KEY ("subscription_id") REFERENCES "subscriptions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "events"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- One live delivery per subscription and event, one per replay and event: a router storing a
-- redelivered batch again, or two routers racing, insert nothing twice (ON CONFLICT DO NOTHING).
-- NULLS NOT DISTINCT (PostgreSQL 15) makes the live delivery (replay_id NULL) unique too; Prisma's
-- schema language cannot say so, hence by hand.
CREATE UNIQUE INDEX "deliveries_subscription_event_replay_key" ON "deliveries"("subscription_id", "event_id", "replay_id") NULLS NOT DISTINCT
    WHERE "subscription_id" IS NOT NULL;
-- A subscription's recent outcomes, newest first.
CREATE INDEX "deliveries_subscription_id_id_idx" ON "deliveries"("subscription_id", "id" DESC) WHERE "subscription_id" IS NOT NULL;
-- Retention deletes events; their subscription deliveries cascade by this index.
CREATE INDEX "deliveries_event_id_idx" ON "deliveries"("event_id") WHERE "event_id" IS NOT NULL;
-- A replay's deliveries: is one of them queued (by replay), which waits next (in order), and which
-- replays wait with none queued (the sweeper resumes those).
CREATE INDEX "deliveries_replay_id_replay_seq_idx" ON "deliveries"("replay_id", "replay_seq") WHERE "replay_id" IS NOT NULL;
CREATE INDEX "deliveries_waiting_replay_id_replay_seq_idx" ON "deliveries"("replay_id", "replay_seq") WHERE "status" = 'waiting';

-- Links and actions: a notification carries its event's url and buttons.
-- Grouping: a notification may stand for several events of one type and
-- group key (count), the key while the group is open, the summary its title
-- is made of ("jobs completed in p-7", after the count), and the latest event
-- merged into it (a redelivered batch finds what it stored through it).
ALTER TABLE "notifications" ADD COLUMN "url" TEXT,
ADD COLUMN "actions" JSONB,
ADD COLUMN "count" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN "group_key" TEXT,
ADD COLUMN "group_summary" TEXT,
ADD COLUMN "last_event_id" TEXT;

-- One open group per user, type and key: two routers storing events of one
-- group at once meet here, and the second's INSERT … ON CONFLICT updates the
-- first's row. A group closes when it is read (the predicate) or when the
-- router finds its window over (it sets group_key to NULL). Not expressible in
-- Prisma's schema language.
CREATE UNIQUE INDEX "notifications_open_group_key" ON "notifications" ("user_id", "event_type", "group_key")
WHERE "group_key" IS NOT NULL AND NOT "is_read";

-- A redelivered batch looks up the grouped rows its events were merged into.
CREATE INDEX "notifications_last_event_id_idx" ON "notifications" ("last_event_id") WHERE "last_event_id" IS NOT NULL;

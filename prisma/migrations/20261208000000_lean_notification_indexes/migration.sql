-- Fewer index entries per notification, on the router's path: each stored row got one in every
-- index below, and again when its push was recorded (an UPDATE of its status writes a new row
-- version, so an entry in every index the row is in).
--
-- notifications_last_event_id_idx: nothing reads last_event_id but the router's "stored earlier,
-- not yet pushed", which has notifications_pending_last_event_idx.
DROP INDEX "notifications_last_event_id_idx";

-- A plain notification's last_event_id is its event_id, found through notifications_pending_event_idx:
-- only grouped rows that a later event updated need this one.
DROP INDEX "notifications_pending_last_event_idx";
CREATE INDEX "notifications_pending_last_event_idx" ON "notifications" ("last_event_id")
    WHERE "status" = 'pending' AND "event_id" IS DISTINCT FROM "last_event_id";

-- Only the notifications Herald makes itself (digests, throttle summaries) have a dedupe key; NULLs
-- never conflict, so leaving them out changes no uniqueness. ON CONFLICT names the predicate.
DROP INDEX "notifications_dedupe_key_key";
CREATE UNIQUE INDEX "notifications_dedupe_key_key" ON "notifications" ("dedupe_key") WHERE "dedupe_key" IS NOT NULL;

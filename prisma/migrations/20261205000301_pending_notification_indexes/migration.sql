-- The router's write statement looks for its events' notifications stored earlier and not yet
-- pushed (status 'pending', by event_id or last_event_id). Through the full indexes that visits
-- every notification of the event: for a large fan-out written in chunks, every earlier chunk's
-- rows again at each chunk (quadratic in its recipients). Pending rows are few at any time (they
-- turn 'delivered' right after their push), so these partial indexes stay small.
CREATE INDEX "notifications_pending_event_idx" ON "notifications" ("event_id") WHERE "status" = 'pending';
CREATE INDEX "notifications_pending_last_event_idx" ON "notifications" ("last_event_id") WHERE "status" = 'pending';

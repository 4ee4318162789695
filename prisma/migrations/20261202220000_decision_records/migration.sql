-- Why each candidate recipient of an event did or did not get it (the router
-- writes one per candidate, in the statement that stores the event). Kept as
-- long as the event. user_id is a user key, without a foreign key: a user an
-- event names may have no users row when nothing was delivered to them.
CREATE TABLE "decision_records" (
    "event_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "relation" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "channels" TEXT[] NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "decision_records_pkey" PRIMARY KEY ("event_id","user_id")
);

ALTER TABLE "decision_records" ADD CONSTRAINT "decision_records_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "events"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A large fan-out (an event with more candidates than ROUTER_FANOUT_CHUNK) is written in chunks
-- of recipients in user-key order; this row is its durable cursor, so a router that dies mid-way
-- resumes after the last committed chunk. It stays once finished (a redelivered stream entry must
-- not start the fan-out again) and goes with its event (retention).
CREATE TABLE "event_fanouts" (
    "event_id" TEXT NOT NULL,
    "event" JSONB NOT NULL,
    "cursor" TEXT,
    "chunks" INTEGER NOT NULL DEFAULT 0,
    "recipients" INTEGER NOT NULL DEFAULT 0,
    "lease_owner" TEXT,
    "lease_until" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(6),

    CONSTRAINT "event_fanouts_pkey" PRIMARY KEY ("event_id")
);

-- Routers look for unfinished fan-outs, oldest first, every few seconds.
CREATE INDEX "event_fanouts_unfinished_idx" ON "event_fanouts" ("created_at", "event_id") WHERE "finished_at" IS NULL;

ALTER TABLE "event_fanouts" ADD CONSTRAINT "event_fanouts_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "events"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Event ids are their producer's (ingest refuses another producer's reuse of
-- an id within IDEMPOTENCY_TTL_SECONDS). After that TTL ingest accepts it, and
-- without knowing who stored an event the router's ON CONFLICT (id) DO NOTHING
-- kept the first producer's row, so the second producer's recipients were
-- notified with the first event's payload. The router now compares producers
-- and dead-letters the reuse (reason id_conflict). Rows stored before this
-- migration have no known producer (NULL).
ALTER TABLE "events" ADD COLUMN "producer" TEXT;

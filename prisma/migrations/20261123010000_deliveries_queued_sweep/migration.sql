-- The delivery-worker's sweeper pages through queued deliveries that nothing
-- has touched for a while, oldest first, to re-enqueue or dead-letter those
-- whose job is gone or failed. A partial index (Prisma's schema language
-- cannot express one, so it lives here only) keeps each page a range scan
-- over the few queued rows, however large the table and however many of them
-- are fresh.
CREATE INDEX "deliveries_queued_updated_at_idx" ON "deliveries"("updated_at", "id") WHERE "status" = 'queued';

-- Tenants: every user and every event belongs to exactly one. Rows from
-- before tenants are `default`'s, as tokens without a tenant claim are.
-- A user's id is its tenant key (the token's sub, qualified by the tenant
-- unless it is `default`), so user-keyed tables need no tenant column of
-- their own; tenant_id is what routing and the operator API filter on.
ALTER TABLE "users" ADD COLUMN "tenant_id" TEXT NOT NULL DEFAULT 'default';
ALTER TABLE "events" ADD COLUMN "tenant_id" TEXT NOT NULL DEFAULT 'default';

-- The router loads each tenant's admins and subscribers; the operator API lists a tenant's rows.
CREATE INDEX "users_tenant_id_idx" ON "users"("tenant_id");
CREATE INDEX "events_tenant_id_occurred_at_idx" ON "events"("tenant_id", "occurred_at");

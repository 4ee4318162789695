-- A tenant's default preference per event type (operator API). Users without
-- a preference of their own for the type follow it as it changes; `required`
-- makes it apply to all of the tenant's users, whatever their own says.
CREATE TABLE "tenant_preferences" (
    "tenant_id" TEXT NOT NULL,
    "event_type_id" INTEGER NOT NULL,
    "is_enabled" BOOLEAN NOT NULL,
    "channels" TEXT[] NOT NULL,
    "scope" TEXT NOT NULL,
    "required" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenant_preferences_pkey" PRIMARY KEY ("tenant_id","event_type_id")
);

ALTER TABLE "tenant_preferences" ADD CONSTRAINT "tenant_preferences_event_type_id_fkey" FOREIGN KEY ("event_type_id") REFERENCES "event_types"("id") ON DELETE CASCADE ON UPDATE CASCADE;

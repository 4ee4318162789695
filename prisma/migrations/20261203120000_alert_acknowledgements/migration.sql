-- Hardware alerts an admin acknowledged (the acknowledge action): one per tenant and alertId,
-- at the severity it was acknowledged at. Repeats of it at that severity or below are stored
-- but not pushed (status silenced); an escalation or the resolve still is.
CREATE TABLE "alert_acknowledgements" (
    "tenant_id" TEXT NOT NULL,
    "alert_id" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "acknowledged_by" TEXT NOT NULL,
    "acknowledged_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_acknowledgements_pkey" PRIMARY KEY ("tenant_id","alert_id")
);

-- Unread, visible notifications per user (VISIBLE_UNREAD in @herald/db: not read, in-app, in a
-- visible status), kept by triggers on notifications. The router reads it for the unread count
-- every push carries; counting the rows instead visited every unread notification of every
-- recipient in each batch, so a batch's store grew with its recipients' unread history (0.34 s
-- to 0.69 s per batch of 4,000 notifications over 240,000 stored). Triggers, not the writers,
-- keep it: every statement that inserts, updates, deletes or truncates notifications (router,
-- scheduler, gateway, retention, a user's deletion cascading) moves it, so it cannot drift.
CREATE TABLE "user_unread_counts" (
    "user_id" TEXT NOT NULL,
    "unread" INTEGER NOT NULL,

    CONSTRAINT "user_unread_counts_pkey" PRIMARY KEY ("user_id")
);

-- The VISIBLE_UNREAD rule over one row's columns (notification-status.ts lists the visible statuses).
CREATE FUNCTION "herald_counts_as_unread"(is_read boolean, status text, channels text[]) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT NOT is_read AND status IN ('pending', 'released', 'delivered', 'digested', 'throttled', 'summarized', 'silenced') AND 'in_app' = ANY(channels) $$;

-- One upsert per statement, whatever its rows: what the statement added to and took from each
-- user's count. Users in id order, as the router locks them, so that two writers moving the same
-- users' counts wait for each other instead of deadlocking.
CREATE FUNCTION "herald_track_unread"() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO user_unread_counts AS c (user_id, unread)
    SELECT user_id, count(*) FROM new_rows WHERE herald_counts_as_unread(is_read, status, channels)
    GROUP BY user_id ORDER BY user_id
    ON CONFLICT (user_id) DO UPDATE SET unread = c.unread + EXCLUDED.unread;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO user_unread_counts AS c (user_id, unread)
    SELECT user_id, sum(d) FROM (
      SELECT user_id, 1 AS d FROM new_rows WHERE herald_counts_as_unread(is_read, status, channels)
      UNION ALL
      SELECT user_id, -1 FROM old_rows WHERE herald_counts_as_unread(is_read, status, channels)
    ) AS moved
    GROUP BY user_id HAVING sum(d) <> 0 ORDER BY user_id
    ON CONFLICT (user_id) DO UPDATE SET unread = c.unread + EXCLUDED.unread;
  ELSE
    INSERT INTO user_unread_counts AS c (user_id, unread)
    SELECT user_id, -count(*) FROM old_rows WHERE herald_counts_as_unread(is_read, status, channels)
    GROUP BY user_id ORDER BY user_id
    ON CONFLICT (user_id) DO UPDATE SET unread = c.unread + EXCLUDED.unread;
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION "herald_forget_unread"() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  DELETE FROM user_unread_counts;
  RETURN NULL;
END
$$;

CREATE TRIGGER "notifications_unread_insert" AFTER INSERT ON "notifications"
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "herald_track_unread"();
CREATE TRIGGER "notifications_unread_update" AFTER UPDATE ON "notifications"
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "herald_track_unread"();
CREATE TRIGGER "notifications_unread_delete" AFTER DELETE ON "notifications"
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "herald_track_unread"();
CREATE TRIGGER "notifications_unread_truncate" AFTER TRUNCATE ON "notifications"
    FOR EACH STATEMENT EXECUTE FUNCTION "herald_forget_unread"();

-- What is stored already: exact, since CREATE TRIGGER holds writers off notifications until this commits.
INSERT INTO "user_unread_counts" ("user_id", "unread")
SELECT "user_id", count(*) FROM "notifications" WHERE herald_counts_as_unread("is_read", "status", "channels")
GROUP BY "user_id";

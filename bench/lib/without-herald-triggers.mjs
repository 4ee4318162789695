// Runs a raw counterpart's inserts into notifications with Herald's own
// triggers on that table (the unread counts) off, so that the ceiling it
// measures is the machine's, not Herald's design; the counts are rebuilt
// afterwards, untimed, for the rounds that follow. Only while nothing else
// writes notifications: the benches run their sides one after the other.

/** `fn()`'s result, with Herald's triggers on notifications off while it runs (`pg`: a node-postgres client). */
export async function withoutHeraldTriggers(pg, fn) {
  await pg.query("ALTER TABLE notifications DISABLE TRIGGER USER");
  try {
    return await fn();
  } finally {
    await pg.query("ALTER TABLE notifications ENABLE TRIGGER USER");
    await pg.query(
      `BEGIN; DELETE FROM user_unread_counts;
       INSERT INTO user_unread_counts (user_id, unread)
       SELECT user_id, count(*) FROM notifications WHERE herald_counts_as_unread(is_read, status, channels) GROUP BY user_id;
       COMMIT`,
    );
  }
}

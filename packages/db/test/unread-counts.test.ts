import { createDatabase, NOTIFICATION_STATUSES, unreadCounts, VISIBLE_STATUSES, VISIBLE_UNREAD, type Database } from "../src";
import { createTestDatabase, type TestDatabase } from "../../../test/support/database";

/**
 * user_unread_counts against real Postgres: whatever statement moves
 * notifications (insert, upsert, read, status changes, deletes, a user's
 * deletion, truncation, writers at once), unreadCounts answers what counting
 * the visible unread rows answers.
 */
describe("unread counts kept by triggers", () => {
  let testDb: TestDatabase;
  let db: Database;
  const users = ["u1", "u2", "u3"];

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = createDatabase(testDb.url);
  });
  afterAll(async () => {
    await db.$disconnect();
    await testDb.drop();
  });
  beforeEach(async () => {
    await testDb.query(`TRUNCATE notifications, users CASCADE`);
    await testDb.query(`INSERT INTO users (id) SELECT unnest($1::text[])`, [users]);
  });

  /** The rows counted one by one, the rule the triggers keep. */
  async function counted(): Promise<Map<string, number>> {
    const rows = await db.$queryRaw<{ user_id: string; n: bigint }[]>`
      SELECT user_id, count(*) AS n FROM notifications WHERE ${VISIBLE_UNREAD} GROUP BY user_id`;
    return new Map(users.map((u) => [u, Number(rows.find((r) => r.user_id === u)?.n ?? 0)]));
  }
  async function expectKept(expected: Record<string, number>): Promise<void> {
    const kept = await unreadCounts(db, users);
    expect(Object.fromEntries(kept)).toEqual(expected);
    expect(kept).toEqual(await counted());
  }
  const insert = (userId: string, status: string, channels = ["in_app"]) =>
    testDb.query(
      `INSERT INTO notifications (user_id, event_type, category, title, body, channels, status)
       VALUES ($1, 'job.completed', 'jobs', 't', 'b', $2, $3)`,
      [userId, channels, status],
    );

  it("counts by the same rule as VISIBLE_UNREAD for every status (the triggers' SQL function repeats the visible statuses)", async () => {
    const rows = await testDb.query<{ status: string; counted: boolean; read: boolean; email: boolean }>(
      `SELECT s AS status, herald_counts_as_unread(false, s, ARRAY['in_app']) AS counted,
              herald_counts_as_unread(true, s, ARRAY['in_app']) AS read, herald_counts_as_unread(false, s, ARRAY['email']) AS email
       FROM unnest($1::text[]) AS s`,
      [[...NOTIFICATION_STATUSES]],
    );
    expect(rows.filter((r) => r.counted).map((r) => r.status)).toEqual(VISIBLE_STATUSES);
    expect(rows.some((r) => r.read || r.email)).toBe(false);
  });

  it("counts inserted rows that are unread, in-app and visible, and none of the others", async () => {
    await testDb.query(
      `INSERT INTO notifications (user_id, event_type, category, title, body, channels, status)
       SELECT u, 'job.completed', 'jobs', 't', 'b', ARRAY['in_app'], s
       FROM unnest($1::text[]) AS u, unnest($2::text[]) AS s`,
      [users, ["pending", "delivered", "released", "digested", "throttled", "summarized", "silenced", "held", "digest"]],
    );
    await insert("u1", "delivered", ["email"]);
    await insert("u2", "delivered", ["in_app", "email"]);
    await expectKept({ u1: 7, u2: 8, u3: 7 });
  });

  it("follows reads, status changes and upserts, and is unchanged by updates that move no count", async () => {
    for (const status of ["pending", "pending", "held", "digest"]) await insert("u1", status);
    await insert("u2", "pending");
    await testDb.query(`UPDATE notifications SET status = 'delivered' WHERE status = 'pending'`);
    await expectKept({ u1: 2, u2: 1, u3: 0 });
    // DND ends, a digest goes out: invisible rows become visible.
    await testDb.query(`UPDATE notifications SET status = 'released' WHERE status = 'held'`);
    await testDb.query(`UPDATE notifications SET status = 'digested' WHERE status = 'digest'`);
    await expectKept({ u1: 4, u2: 1, u3: 0 });
    await testDb.query(`UPDATE notifications SET is_read = true WHERE id = (SELECT min(id) FROM notifications WHERE user_id = 'u1')`);
    await testDb.query(`UPDATE notifications SET is_read = true WHERE user_id = 'u2'`);
    await expectKept({ u1: 3, u2: 0, u3: 0 });
    // A grouped upsert: the first insert counts, the update in place does not.
    const upsert = () =>
      testDb.query(
        `INSERT INTO notifications (user_id, event_type, category, title, body, channels, status, group_key)
         VALUES ('u3', 'job.completed', 'jobs', 't', 'b', ARRAY['in_app'], 'pending', 'nightly')
         ON CONFLICT (user_id, event_type, group_key) WHERE group_key IS NOT NULL AND NOT is_read
         DO UPDATE SET count = notifications.count + 1`,
      );
    await upsert();
    await upsert();
    await expectKept({ u1: 3, u2: 0, u3: 1 });
  });

  it("follows deletes, a user's deletion cascading to their rows, and a truncation", async () => {
    for (const u of users) for (let i = 0; i < 3; i++) await insert(u, "delivered");
    await testDb.query(`DELETE FROM notifications WHERE id IN (SELECT id FROM notifications WHERE user_id = 'u1' LIMIT 2)`);
    await testDb.query(`DELETE FROM users WHERE id = 'u2'`);
    await expectKept({ u1: 1, u2: 0, u3: 3 });
    await testDb.query(`TRUNCATE notifications CASCADE`);
    await expectKept({ u1: 0, u2: 0, u3: 0 });
    await insert("u3", "pending");
    await expectKept({ u1: 0, u2: 0, u3: 1 });
  });

  it("stays exact with writers moving the same users' counts at once, none deadlocked", async () => {
    const clients = Array.from({ length: 4 }, () => createDatabase(testDb.url));
    try {
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => {
          const c = clients[i % clients.length]!;
          // Each statement touches every user, in an order of its own; some read what others wrote.
          const order = i % 2 === 0 ? users : [...users].reverse();
          return i % 5 === 4
            ? c.$executeRaw`UPDATE notifications SET is_read = true WHERE id IN (SELECT id FROM notifications WHERE NOT is_read ORDER BY id DESC LIMIT 2)`
            : c.$executeRaw`INSERT INTO notifications (user_id, event_type, category, title, body, channels, status)
                SELECT u, 'job.completed', 'jobs', 't', 'b', ARRAY['in_app'], 'pending' FROM unnest(${order}::text[]) AS u`;
        }),
      );
    } finally {
      await Promise.all(clients.map((c) => c.$disconnect()));
    }
    const kept = await unreadCounts(db, users);
    expect(kept).toEqual(await counted());
    // 32 inserts of a row per user; the reads at once may have picked the same rows.
    const [read] = await testDb.query<{ n: string }>(`SELECT count(*) AS n FROM notifications WHERE is_read`);
    expect([...kept.values()].reduce((a, b) => a + b, 0) + Number(read!.n)).toBe(32 * 3);
    expect(Number(read!.n)).toBeGreaterThan(0);
  });
});

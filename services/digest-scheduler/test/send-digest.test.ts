import { createDatabase, markDispatched, type Database } from "@herald/db";
import type { PendingNotification } from "@herald/db";
import type { Dispatcher } from "@herald/dispatch";
import { createTestDatabase, type TestDatabase } from "../../../test/support/database";
import { sendDigest } from "../src/send-digest";

/** Records what is dispatched and marks it so, as the real one does; can be told to die mid-way. */
class RecordingDispatcher {
  pushed: PendingNotification[] = [];
  failNext = false;
  constructor(private readonly db: () => Database) {}
  async dispatch(notifications: readonly PendingNotification[]): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error("process died before pushing");
    }
    this.pushed.push(...notifications);
    await markDispatched(this.db(), notifications);
  }
}

const clock = { intervalMs: { hourly: 60_000, daily: 86_400_000 } };
/** A period end just ahead: Postgres stamps rows in microseconds, JavaScript dates in milliseconds. */
const soon = () => new Date(Date.now() + 10).toISOString();

/** sendDigest against real Postgres: retries, replicas and crashes never send a second digest. */
describe("sendDigest", () => {
  let testDb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = createDatabase(testDb.url);
  });
  afterAll(async () => {
    await db.$disconnect();
    await testDb.drop();
  });

  async function userWithDigestItems(userId: string, lastSentAt: Date, types: string[]) {
    await testDb.query(`INSERT INTO users (id) VALUES ($1)`, [userId]);
    await testDb.query(
      `INSERT INTO user_notification_settings (user_id, digest_enabled, digest_interval, digest_last_sent_at) VALUES ($1, true, 'hourly', $2)`,
      [userId, lastSentAt],
    );
    for (const [i, type] of types.entries()) {
      await testDb.query(`INSERT INTO events (id, event_type_id, occurred_at) SELECT $1, id, now() FROM event_types WHERE name = $2`, [
        `${userId}-e${i}`,
        type,
      ]);
      await testDb.query(
        `INSERT INTO notifications (event_id, user_id, event_type, category, title, body, status) VALUES ($1, $2, $3, 'job', 't', 'b', 'digest')`,
        [`${userId}-e${i}`, userId, type],
      );
    }
  }

  const digests = (userId: string) =>
    testDb.query(`SELECT status, payload FROM notifications WHERE user_id = $1 AND event_type = 'digest'`, [userId]);

  it("sends one digest, marks its items digested, and a retry of the same job sends nothing more", async () => {
    const last = new Date(Date.now() - 120_000);
    await userWithDigestItems("u1", last, ["job.completed", "job.completed", "job.failed"]);
    const pusher = new RecordingDispatcher(() => db);
    const job = { userId: "u1", periodEnd: soon() };
    expect(await sendDigest(db, pusher as unknown as Dispatcher, job, clock, new Date())).toBe("sent");
    expect(await sendDigest(db, pusher as unknown as Dispatcher, job, clock, new Date())).toBe("not_due");
    expect(pusher.pushed.map((p) => p.type)).toEqual(["digest"]);
    const rows = await digests("u1");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      status: "delivered",
      payload: { counts: { jobsCompleted: 2, jobsFailed: 1, awaitingReview: 0, total: 3 } },
    });
    expect(
      await testDb.query(`SELECT count(*)::int AS n FROM notifications WHERE user_id = 'u1' AND status = 'digested' AND is_read`),
    ).toEqual([{ n: 3 }]);
  });

  it("a crash after writing the digest but before pushing it: the retry pushes it, once", async () => {
    await userWithDigestItems("u2", new Date(Date.now() - 120_000), ["job.completed"]);
    const pusher = new RecordingDispatcher(() => db);
    const job = { userId: "u2", periodEnd: soon() };
    pusher.failNext = true;
    await expect(sendDigest(db, pusher as unknown as Dispatcher, job, clock, new Date())).rejects.toThrow("process died");
    expect(await digests("u2")).toEqual([expect.objectContaining({ status: "pending" })]);
    await sendDigest(db, pusher as unknown as Dispatcher, job, clock, new Date());
    expect(pusher.pushed.map((p) => p.type)).toEqual(["digest"]);
    expect(await digests("u2")).toEqual([expect.objectContaining({ status: "delivered" })]);
  });

  it("two replicas running the same user's digest at once send one", async () => {
    await userWithDigestItems("u3", new Date(Date.now() - 120_000), ["review.submitted", "job.failed"]);
    const pusher = new RecordingDispatcher(() => db);
    const a = { userId: "u3", periodEnd: soon() };
    const b = { userId: "u3", periodEnd: new Date(Date.now() + 5).toISOString() };
    const outcomes = await Promise.all([
      sendDigest(db, pusher as unknown as Dispatcher, a, clock, new Date()),
      sendDigest(db, pusher as unknown as Dispatcher, b, clock, new Date()),
    ]);
    expect(outcomes.sort()).toEqual(["not_due", "sent"]);
    expect(await digests("u3")).toHaveLength(1);
    expect(pusher.pushed.filter((p) => p.userId === "u3")).toHaveLength(1);
  });

  it("an empty period sends nothing and moves the period on", async () => {
    const last = new Date(Date.now() - 120_000);
    await userWithDigestItems("u4", last, []);
    const pusher = new RecordingDispatcher(() => db);
    const periodEnd = soon();
    expect(await sendDigest(db, pusher as unknown as Dispatcher, { userId: "u4", periodEnd }, clock, new Date())).toBe("empty");
    expect(pusher.pushed).toEqual([]);
    expect(await testDb.query(`SELECT digest_last_sent_at FROM user_notification_settings WHERE user_id = 'u4'`)).toEqual([
      { digest_last_sent_at: new Date(periodEnd) },
    ]);
  });
});

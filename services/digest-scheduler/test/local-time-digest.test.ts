import { createDatabase, markDispatched, type Database, type PendingNotification } from "@herald/db";
import type { Dispatcher } from "@herald/dispatch";
import { createTestDatabase, type TestDatabase } from "../../../test/support/database";
import { findDueWork } from "../src/find-due-work";
import { scheduleLocalDigests } from "../src/schedule-local-digests";
import { sendDigest } from "../src/send-digest";

class RecordingDispatcher {
  pushed: PendingNotification[] = [];
  constructor(private readonly db: () => Database) {}
  async dispatch(notifications: readonly PendingNotification[]): Promise<void> {
    this.pushed.push(...notifications);
    await markDispatched(this.db(), notifications);
  }
}

const clock = { intervalMs: { hourly: 3_600_000, daily: 86_400_000 } };

/**
 * Daily digests at 09:00 Europe/Berlin against real Postgres, the clock
 * injected: the tick (schedule, then find what is due) and the digest job,
 * as the scheduler runs them, on both 2026 DST transition days.
 */
describe("a daily digest at a local time", () => {
  let testDb: TestDatabase;
  let db: Database;
  let dispatcher: RecordingDispatcher;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = createDatabase(testDb.url);
    dispatcher = new RecordingDispatcher(() => db);
  });
  afterAll(async () => {
    await db.$disconnect();
    await testDb.drop();
  });

  async function berlinUser(userId: string, itemAt: string) {
    await testDb.query(`INSERT INTO users (id) VALUES ($1)`, [userId]);
    await testDb.query(
      `INSERT INTO user_notification_settings (user_id, digest_enabled, digest_interval, digest_at, timezone) VALUES ($1, true, 'daily', '09:00', 'Europe/Berlin')`,
      [userId],
    );
    await testDb.query(
      `INSERT INTO events (id, event_type_id, occurred_at) SELECT $1, id, $2 FROM event_types WHERE name = 'job.completed'`,
      [`${userId}-e`, itemAt],
    );
    await testDb.query(
      `INSERT INTO notifications (event_id, user_id, event_type, category, title, body, status, created_at)
       VALUES ($1, $2, 'job.completed', 'job', 't', 'b', 'digest', $3)`,
      [`${userId}-e`, userId, itemAt],
    );
  }

  /** One scheduler tick at `now`: the users whose digest it would send. */
  async function tick(now: string): Promise<string[]> {
    await scheduleLocalDigests(db, new Date(now));
    return (await findDueWork(db, clock, new Date(now))).digests;
  }

  const nextAt = async (userId: string) =>
    (
      await testDb.query<{ t: Date | null }>(`SELECT digest_next_at AS t FROM user_notification_settings WHERE user_id = $1`, [userId])
    )[0]!.t?.toISOString();

  it.each([
    // Spring forward, 2026-03-29: 09:00 CEST is 07:00 UTC (it was 08:00 UTC the day before).
    [
      "spring forward",
      "berlin-spring",
      "2026-03-28T10:00:00Z",
      "2026-03-28T12:00:00Z",
      "2026-03-29T07:00:00.000Z",
      "2026-03-30T07:00:00.000Z",
    ],
    // Fall back, 2026-10-25: 09:00 CET is 08:00 UTC (it was 07:00 UTC the day before).
    ["fall back", "berlin-fall", "2026-10-24T10:00:00Z", "2026-10-24T12:00:00Z", "2026-10-25T08:00:00.000Z", "2026-10-26T08:00:00.000Z"],
  ])(
    "%s: sent at 09:00 local on the transition day, once, then scheduled for 09:00 the day after",
    async (_n, user, itemAt, setAt, due, nextDay) => {
      await berlinUser(user, itemAt);
      expect(await tick(setAt)).not.toContain(user);
      expect(await nextAt(user)).toBe(due);
      const minuteBefore = new Date(new Date(due).getTime() - 60_000).toISOString();
      expect(await tick(minuteBefore)).not.toContain(user);
      expect(await tick(due)).toContain(user);
      expect(await sendDigest(db, dispatcher as unknown as Dispatcher, { userId: user, periodEnd: due }, clock, new Date(due))).toBe(
        "sent",
      );
      expect(dispatcher.pushed.filter((p) => p.userId === user).map((p) => p.type)).toEqual(["digest"]);
      expect(await nextAt(user)).toBe(nextDay);
      // The same job again (a retry), and the next ticks of that day: nothing more.
      expect(await sendDigest(db, dispatcher as unknown as Dispatcher, { userId: user, periodEnd: due }, clock, new Date(due))).toBe(
        "not_due",
      );
      expect(await tick(new Date(new Date(due).getTime() + 3_600_000).toISOString())).not.toContain(user);
      expect(await tick(nextDay)).toContain(user);
    },
  );

  it("a change of time or zone reschedules it (the gateway clears digest_next_at; the next tick schedules anew)", async () => {
    await berlinUser("mover", "2026-06-01T05:00:00Z");
    await tick("2026-06-01T06:00:00Z");
    expect(await nextAt("mover")).toBe("2026-06-01T07:00:00.000Z");
    await testDb.query(
      `UPDATE user_notification_settings SET timezone = 'America/New_York', digest_next_at = NULL WHERE user_id = 'mover'`,
    );
    expect(await tick("2026-06-01T07:00:00Z")).not.toContain("mover");
    expect(await nextAt("mover")).toBe("2026-06-01T13:00:00.000Z");
  });

  it("an hourly digest ignores digestAt and stays on its interval", async () => {
    await testDb.query(`INSERT INTO users (id) VALUES ('hourly')`);
    await testDb.query(
      `INSERT INTO user_notification_settings (user_id, digest_enabled, digest_interval, digest_at, timezone, digest_last_sent_at)
       VALUES ('hourly', true, 'hourly', '09:00', 'Europe/Berlin', '2026-06-01T05:00:00Z')`,
    );
    expect(await tick("2026-06-01T05:30:00Z")).not.toContain("hourly");
    expect(await tick("2026-06-01T06:00:00Z")).toContain("hourly");
    expect(await nextAt("hourly")).toBeUndefined();
  });
});

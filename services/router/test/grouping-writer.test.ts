import { createDatabase, markDispatched, type Database } from "@herald/db";
import type { HeraldEvent } from "@herald/contract";
import { createTestDatabase, type TestDatabase } from "../../../test/support/database";
import { NotificationWriter } from "../src/notification-writer";
import { candidates, DEFAULT_PROFILE, mergeGroupedDrafts, routeToCandidates, type ScopeIndex } from "../src/route-event";

const WINDOW_MS = 60_000;
const noScopes: ScopeIndex = { admins: [], projectMembers: () => [], everyoneSubscribers: () => [] };

/** What the router does with a batch up to the store, with the clock given. */
function batch(events: HeraldEvent[], at: Date) {
  const routed = events.map((e) => routeToCandidates(e, candidates(e, noScopes), () => DEFAULT_PROFILE, at));
  return mergeGroupedDrafts({ drafts: routed.flatMap((r) => r.drafts), decisions: routed.flatMap((r) => r.decisions) });
}

let seq = 0;
const completed = (over: Partial<HeraldEvent> = {}): HeraldEvent =>
  ({
    id: `e${++seq}`,
    type: "job.completed",
    occurredAt: new Date().toISOString(),
    receivedAt: new Date().toISOString(),
    groupKey: "nightly",
    projectId: "p-7",
    payload: { ownerUserId: "u1", jobName: `job-${seq}` },
    ...over,
  }) as HeraldEvent;

/**
 * The grouping upsert against real Postgres, with writers on connections of
 * their own standing for routers: the open-group index makes concurrent
 * batches of one group meet on one row, the window and reading close a group.
 */
describe("NotificationWriter grouping", () => {
  let testDb: TestDatabase;
  const clients: Database[] = [];
  let writers: NotificationWriter[];

  beforeAll(async () => {
    testDb = await createTestDatabase();
    for (let i = 0; i < 4; i++) clients.push(createDatabase(testDb.url));
    writers = clients.map((db) => new NotificationWriter(db, WINDOW_MS, 3_600_000));
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.$disconnect()));
    await testDb.drop();
  });
  beforeEach(() => testDb.query(`TRUNCATE notifications, decision_records, events, users CASCADE`));

  const store = async (writer: NotificationWriter, events: HeraldEvent[], at = new Date()) => {
    const { drafts, decisions } = batch(events, at);
    return writer.persist(events, drafts, decisions, at);
  };
  const rows = () =>
    testDb.query<{ id: string; count: number; title: string; group_key: string | null; is_read: boolean }>(
      `SELECT id, count, title, group_key, is_read FROM notifications ORDER BY id`,
    );

  it("four writers storing 40 batches of one group at once end with one row counting 40", async () => {
    await Promise.all(Array.from({ length: 40 }, (_, i) => store(writers[i % 4]!, [completed()])));
    const stored = await rows();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ count: 40, title: "40 jobs completed in p-7" });
    const outcomes = await testDb.query<{ outcome: string; n: string }>(
      `SELECT outcome, count(*) AS n FROM decision_records GROUP BY outcome ORDER BY outcome`,
    );
    expect(outcomes).toEqual([
      { outcome: "delivered", n: "1" },
      { outcome: "grouped", n: "39" },
    ]);
  });

  it("a batch stored again (redelivered after a crash) counts nothing twice, and still returns the row to push", async () => {
    const events = [completed(), completed()];
    await store(writers[0]!, events);
    await testDb.query(`UPDATE notifications SET status = 'pending'`);
    const again = await store(writers[1]!, events);
    expect((await rows()).map((r) => r.count)).toEqual([2]);
    expect(again.pending.map((p) => p.count)).toEqual([2]);
  });

  it("recording a batch dispatched leaves pending a group row a later batch updated since, which that batch, stored again after a crash, pushes again", async () => {
    const first = await store(writers[0]!, [completed()]);
    // The next batch (or another router) takes an event into the group before the first batch's dispatch is recorded.
    const secondBatch = [completed()];
    const second = await store(writers[1]!, secondBatch);
    expect(second.pending.map((p) => p.count)).toEqual([2]);
    await markDispatched(clients[0]!, first.pending);
    expect(await testDb.query(`SELECT count, status FROM notifications`)).toEqual([{ count: 2, status: "pending" }]);
    // The second batch crashed before its push: handled again, it finds the row still to push, at its count.
    const again = await store(writers[1]!, secondBatch);
    expect(again.pending.map((p) => [p.id, p.count])).toEqual([[first.pending[0]!.id, 2]]);
    await markDispatched(clients[1]!, again.pending);
    expect(await testDb.query(`SELECT count, status FROM notifications`)).toEqual([{ count: 2, status: "delivered" }]);
  });

  it("closes a group once its window is over: the next event opens a new notification", async () => {
    const t0 = new Date("2026-12-01T10:00:00Z");
    await store(writers[0]!, [completed()], t0);
    await testDb.query(`UPDATE notifications SET created_at = $1`, [t0]);
    await store(writers[0]!, [completed()], new Date(t0.getTime() + WINDOW_MS - 1));
    expect((await rows()).map((r) => r.count)).toEqual([2]);
    const later = await store(writers[1]!, [completed()], new Date(t0.getTime() + WINDOW_MS));
    const stored = await rows();
    expect(stored.map((r) => [r.count, r.group_key])).toEqual([
      [2, null],
      [1, "key:nightly"],
    ]);
    // The new one is fresh: it adds to the unread count.
    expect(later.unreadCounts.get("u1")).toBe(2);
  });

  it("a group read is closed; an unread group updated in place does not grow the unread count", async () => {
    const first = await store(writers[0]!, [completed()]);
    expect(first.unreadCounts.get("u1")).toBe(1);
    const second = await store(writers[0]!, [completed()]);
    expect(second.pending.map((p) => [p.id, p.count])).toEqual([[first.pending[0]!.id, 2]]);
    expect(second.unreadCounts.get("u1")).toBe(1);
    await testDb.query(`UPDATE notifications SET is_read = true`);
    const third = await store(writers[0]!, [completed()]);
    expect(third.pending[0]!.id).not.toBe(first.pending[0]!.id);
    expect((await rows()).map((r) => r.count)).toEqual([2, 1]);
  });

  it("keeps the latest 10 items across batches, newest first", async () => {
    const events = Array.from({ length: 12 }, () => completed());
    await store(writers[0]!, events.slice(0, 5));
    const last = await store(writers[1]!, events.slice(5));
    const items = (last.pending[0]!.payload.items as { eventId: string }[]).map((i) => i.eventId);
    expect(items).toEqual(
      events
        .slice(2)
        .reverse()
        .map((e) => e.id),
    );
  });
});

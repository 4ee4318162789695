import { createDatabase, type Database } from "@herald/db";
import { createTestDatabase, type TestDatabase } from "../../../test/support/database";
import { DeliveryStore } from "../src/delivery-store";

/**
 * The store's batched statements against real Postgres: concurrent jobs'
 * loads, starts and finishes share statements, and each job still gets its
 * own row, and its own error.
 */
describe("DeliveryStore, batched across concurrent jobs", () => {
  let testDb: TestDatabase;
  let db: Database;
  let store: DeliveryStore;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = createDatabase(testDb.url);
    store = new DeliveryStore(db);
  });
  afterAll(async () => {
    await db.$disconnect();
    await testDb.drop();
  });

  /** `count` webhook deliveries for users u1..u<count>, each with its own URL; their ids in user order. */
  async function seed(count: number): Promise<string[]> {
    await testDb.query(`TRUNCATE deliveries, notifications, users CASCADE`);
    await testDb.query(`INSERT INTO users (id) SELECT 'u' || g FROM generate_series(1, $1) g`, [count]);
    await testDb.query(
      `INSERT INTO user_notification_settings (user_id, webhook_url, webhook_secret) SELECT id, 'https://hooks.example/' || id, 'whsec_x' FROM users`,
    );
    const rows = await testDb.query<{ id: string }>(
      `WITH n AS (
         INSERT INTO notifications (user_id, event_type, category, title, body, channels, status)
         SELECT 'u' || g, 'job.failed', 'job', 'Job ' || g || ' failed', 'body', ARRAY['webhook'], 'delivered' FROM generate_series(1, $1) g
         RETURNING id, user_id
       )
       INSERT INTO deliveries (notification_id, user_id, channel) SELECT id, user_id, 'webhook' FROM n ORDER BY id RETURNING id::text`,
      [count],
    );
    return rows.map((r) => r.id);
  }

  it("each concurrent load gets its own delivery, and an unknown id gets nothing", async () => {
    const ids = await seed(5);
    const loaded = await Promise.all([...ids, "999999"].map((id) => store.load(id)));
    expect(loaded.map((c) => c?.webhookUrl)).toEqual([1, 2, 3, 4, 5].map((i) => `https://hooks.example/u${i}`).concat([undefined!]));
    expect(loaded.map((c) => c?.notification.title)).toEqual([1, 2, 3, 4, 5].map((i) => `Job ${i} failed`).concat([undefined!]));
  });

  it("a start that breaks a constraint fails only its own job; the others' attempts are on record", async () => {
    const ids = await seed(3);
    const start = (id: string) => store.startAttempt(id, { attempt: 1, channel: "webhook", destination: `https://hooks.example/${id}` });
    // A delivery that does not exist breaks the attempts' foreign key.
    const results = await Promise.allSettled([ids[0]!, "999999", ids[1]!, ids[2]!].map(start));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    const attempts = await testDb.query<{ id: string; delivery_id: string; outcome: string }>(
      `SELECT id::text, delivery_id::text, outcome FROM delivery_attempts ORDER BY delivery_id`,
    );
    expect(attempts.map((a) => [a.delivery_id, a.outcome])).toEqual(ids.map((id) => [id, "started"]));
    // Each job was handed its own attempt's id.
    const fulfilled = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    expect(fulfilled).toEqual(attempts.map((a) => a.id));
    const counted = await testDb.query<{ attempts: number }>(`SELECT attempts FROM deliveries ORDER BY id`);
    expect(counted.map((d) => d.attempts)).toEqual([1, 1, 1]);
  });

  it("concurrent finishes each record their own answer; a delivery no longer queued keeps its status", async () => {
    const ids = await seed(3);
    const attemptIds = await Promise.all(
      ids.map((id) => store.startAttempt(id, { attempt: 1, channel: "webhook", destination: "https://hooks.example/" })),
    );
    await testDb.query(`UPDATE deliveries SET status = 'delivered' WHERE id = $1`, [ids[2]]);
    await Promise.all([
      store.finishAttempt(ids[0]!, attemptIds[0]!, { outcome: "success", httpStatus: 204, durationMs: 12.4, status: "delivered" }),
      store.finishAttempt(ids[1]!, attemptIds[1]!, {
        outcome: "failure",
        httpStatus: 500,
        error: "HTTP 500",
        durationMs: 30,
        status: "queued",
      }),
      store.finishAttempt(ids[2]!, attemptIds[2]!, { outcome: "failure", error: "late", durationMs: 5, status: "dead_lettered" }),
    ]);
    const deliveries = await testDb.query(
      `SELECT status, last_error, last_response, delivered_at IS NOT NULL AS delivered FROM deliveries ORDER BY id`,
    );
    expect(deliveries).toEqual([
      { status: "delivered", last_error: null, last_response: "204", delivered: true },
      { status: "queued", last_error: "HTTP 500", last_response: "500", delivered: false },
      { status: "delivered", last_error: null, last_response: null, delivered: false },
    ]);
    const attempts = await testDb.query(`SELECT outcome, http_status, error, duration_ms FROM delivery_attempts ORDER BY delivery_id`);
    expect(attempts).toEqual([
      { outcome: "success", http_status: 204, error: null, duration_ms: 12 },
      { outcome: "failure", http_status: 500, error: "HTTP 500", duration_ms: 30 },
      { outcome: "failure", http_status: null, error: "late", duration_ms: 5 },
    ]);
  });

  it("a second start of the same delivery closes the first as interrupted, even when both are submitted at once", async () => {
    const [id] = await seed(1);
    const start = (attempt: number) => store.startAttempt(id!, { attempt, channel: "webhook", destination: "https://hooks.example/" });
    await Promise.all([start(1), start(1)]);
    const attempts = await testDb.query<{ outcome: string }>(`SELECT outcome FROM delivery_attempts ORDER BY id`);
    expect(attempts.map((a) => a.outcome)).toEqual(["interrupted", "started"]);
    expect((await testDb.query(`SELECT attempts FROM deliveries`))[0]).toEqual({ attempts: 2 });
  });
});

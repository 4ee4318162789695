import { eventually, publish, sleep } from "../support/clients";
import { TestStack } from "../support/stack";
import { producerToken } from "../support/tokens";

const TTL_SECONDS = 1;

type Fields = Record<string, string>;
const toFields = (raw: string[]): Fields => Object.fromEntries(raw.flatMap((_, i) => (i % 2 ? [] : [[raw[i]!, raw[i + 1]!]])));

/**
 * Ingest answers 409 to another producer's reuse of an id only while it
 * remembers the id (IDEMPOTENCY_TTL_SECONDS). Past that the router is the
 * guard: the stored event keeps its producer, and a second producer's event
 * with that id is dead-lettered, never routed to its recipients with the first
 * event's payload. Real ingest and router processes, real Redis and Postgres.
 */
describe("an event id reused after ingest's idempotency window", () => {
  let stack: TestStack;
  let ingest: string;
  const billing = producerToken("billing");
  const ci = producerToken("ci");

  beforeAll(async () => {
    stack = await TestStack.create();
    [{ url: ingest }] = await Promise.all([
      stack.start("ingest", { env: { IDEMPOTENCY_TTL_SECONDS: String(TTL_SECONDS) } }),
      stack.start("router"),
    ]);
  });
  afterAll(() => stack.stop());

  const deadLetters = async () => (await stack.redis.xrange(stack.names.deadLetterStream, "-", "+")).map(([, raw]) => toFields(raw));
  const notificationsOf = (userId: string) =>
    stack.db.query<{ event_id: string; text: string }>(
      "SELECT event_id, title || ' ' || body AS text FROM notifications WHERE user_id = $1",
      [userId],
    );
  const jobDone = (id: string, ownerUserId: string, jobName: string) => ({
    id,
    type: "job.completed",
    payload: { ownerUserId, jobName },
  });
  const routed = (userId: string, eventId: string) =>
    eventually(
      async () => ((await notificationsOf(userId)).some((n) => n.event_id === eventId) ? true : undefined),
      10_000,
      `${eventId} for ${userId}`,
    );
  const ttlPasses = () => sleep(TTL_SECONDS * 1000 + 500);

  it("by another producer is dead-lettered as id_conflict: its recipient gets nothing, the first event's recipient keeps theirs", async () => {
    expect((await publish(ingest, billing, jobDone("job-99", "ann", "nightly-billing"))).status).toBe(202);
    await routed("ann", "job-99");
    await ttlPasses();

    const reuse = jobDone("job-99", "bo", "ci-build");
    expect((await publish(ingest, ci, reuse)).status).toBe(202);
    const [letter] = await eventually(
      async () => {
        const letters = (await deadLetters()).filter((l) => l.reason?.startsWith("id_conflict"));
        return letters.length > 0 ? letters : undefined;
      },
      10_000,
      "the dead letter",
    );
    expect(letter!.reason).toContain('"job-99"');
    expect(JSON.parse(letter!.event!)).toMatchObject({ id: "job-99", producer: "ci", payload: { ownerUserId: "bo" } });

    // An event published after the reuse is routed: the router moved past it.
    expect((await publish(ingest, ci, jobDone("job-100", "bo", "ci-build"))).status).toBe(202);
    await routed("bo", "job-100");
    expect((await notificationsOf("bo")).map((n) => n.event_id)).toEqual(["job-100"]);
    expect(await notificationsOf("ann")).toEqual([{ event_id: "job-99", text: expect.stringContaining("nightly-billing") }]);
    expect(await stack.db.query("SELECT producer, payload->>'jobName' AS job FROM events WHERE id = 'job-99'")).toEqual([
      { producer: "billing", job: "nightly-billing" },
    ]);
  });

  it("by the same producer is still a harmless repeat: nothing new, nothing dead-lettered", async () => {
    expect((await publish(ingest, billing, jobDone("job-200", "cy", "export"))).status).toBe(202);
    await routed("cy", "job-200");
    const lettersBefore = (await deadLetters()).length;
    await ttlPasses();

    expect((await publish(ingest, billing, jobDone("job-200", "cy", "export"))).status).toBe(202);
    // Routed past it once a later event of the same producer is in.
    expect((await publish(ingest, billing, jobDone("job-201", "cy", "export"))).status).toBe(202);
    await routed("cy", "job-201");
    expect((await notificationsOf("cy")).map((n) => n.event_id).sort()).toEqual(["job-200", "job-201"]);
    expect((await deadLetters()).length).toBe(lettersBefore);
  });
});

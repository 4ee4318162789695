import { eventually, publish } from "../support/clients";
import { TestStack } from "../support/stack";
import { producerToken } from "../support/tokens";

/** What one producer does never silently costs another: event ids are the producer's own. */
describe("ingest: producers side by side", () => {
  let stack: TestStack;
  let ingest: string;
  const billing = producerToken("billing");
  const ci = producerToken("ci");

  beforeAll(async () => {
    stack = await TestStack.create();
    ingest = (await stack.start("ingest")).url;
  });
  afterAll(() => stack.stop());

  const streamIds = async () =>
    (await stack.redis.xrange(stack.names.eventStream, "-", "+")).map(
      ([, fields]) => JSON.parse(fields[1]!) as { id: string; producer: string },
    );

  describe("event ids", () => {
    it("another producer's event with a taken id is refused with 409 id_conflict, never accepted and dropped", async () => {
      const event = { id: "job-17-done", type: "job.completed", payload: { ownerUserId: "42" } };
      expect((await publish(ingest, billing, event)).status).toBe(202);
      const before = await stack.streamLength();

      const conflict = await publish(ingest, ci, event);
      expect(conflict.status).toBe(409);
      expect(conflict.body!.error).toEqual({
        code: "id_conflict",
        message: expect.stringContaining("job-17-done"),
        details: [{ path: "id", message: "already used by another producer" }],
      });
      expect(await stack.streamLength()).toBe(before);

      // The first producer's repeat is still the idempotent 202 it always was, and adds nothing.
      expect(await publish(ingest, billing, event)).toMatchObject({ status: 202, body: { id: "job-17-done", status: "accepted" } });
      expect(await stack.streamLength()).toBe(before);
      expect((await streamIds()).filter((e) => e.id === "job-17-done")).toEqual([expect.objectContaining({ producer: "billing" })]);
    });

    it("a batch with one taken id is refused whole, naming that event; the rest goes through once the id is changed", async () => {
      expect((await publish(ingest, billing, { id: "shared-1", type: "job.started" })).status).toBe(202);
      const before = await stack.streamLength();
      const events = [
        { id: "ci-own-1", type: "job.started" },
        { id: "shared-1", type: "job.started" },
      ];
      const conflict = await publish(ingest, ci, { events }, { path: "/batch" });
      expect(conflict.status).toBe(409);
      expect(conflict.body!.error.details).toEqual([{ path: "events.1.id", message: "already used by another producer" }]);
      expect(await stack.streamLength()).toBe(before);

      const fixed = await publish(ingest, ci, { events: [events[0], { id: "ci-own-2", type: "job.started" }] }, { path: "/batch" });
      expect(fixed.status).toBe(202);
      expect(await stack.streamLength()).toBe(before + 2);
    });

    it("a batch repeating its own id enqueues it once; repeating the batch enqueues nothing", async () => {
      const before = await stack.streamLength();
      const events = [
        { id: "dup-1", type: "job.started" },
        { id: "dup-1", type: "job.started" },
        { id: "dup-2", type: "job.started" },
      ];
      expect((await publish(ingest, ci, { events }, { path: "/batch" })).status).toBe(202);
      expect(await stack.streamLength()).toBe(before + 2);
      expect((await publish(ingest, ci, { events }, { path: "/batch" })).status).toBe(202);
      expect(await stack.streamLength()).toBe(before + 2);
    });

    it("ids without an owner (from before ids had one) still count as a repeat for anyone", async () => {
      await stack.redis.set(`${stack.names.idempotencyKeyPrefix}legacy-1`, "1", "EX", 60);
      const before = await stack.streamLength();
      expect((await publish(ingest, ci, { id: "legacy-1", type: "job.started" })).status).toBe(202);
      expect(await stack.streamLength()).toBe(before);
    });
  });

  describe("back-pressure", () => {
    // 20 unprocessed events in all; each producer may hold half; critical events get in until 30.
    let small: TestStack;
    let url: string;
    const monitor = producerToken("hardware-monitor");

    beforeAll(async () => {
      small = await TestStack.create({
        INGEST_MAX_BACKLOG: "20",
        INGEST_PRODUCER_BACKLOG_PERCENT: "50",
        INGEST_CRITICAL_BACKLOG_HEADROOM: "10",
      });
      url = (await small.start("ingest")).url;
    });
    afterAll(() => small.stop());

    async function post(token: string, events: unknown[]) {
      const res = await fetch(`${url}/api/v1/events/batch`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ events }),
      });
      const body = (await res.json()) as { error?: { code: string; message: string } };
      return { status: res.status, retryAfter: res.headers.get("retry-after"), code: body.error?.code, message: body.error?.message };
    }
    const jobs = (n: number) => Array.from({ length: n }, () => ({ type: "job.started", payload: { ownerUserId: "42" } }));
    const alerts = (n: number) => Array.from({ length: n }, () => ({ type: "system.gpu_critical", payload: { host: "gpu-1" } }));

    it("one producer filling its share leaves the rest of the backlog to the others; every 429 says when to retry", async () => {
      expect(await post(billing, jobs(10))).toMatchObject({ status: 202 });
      const refused = await post(billing, jobs(1));
      expect(refused).toEqual({
        status: 429,
        retryAfter: "1",
        code: "backpressure",
        message: "producer billing has 10 unprocessed events, its share of the backlog is 10; retry later",
      });
      // Another producer is not held back by billing's flood.
      expect(await post(ci, jobs(10))).toMatchObject({ status: 202 });
      expect(await small.streamLength()).toBe(20);
      expect(await post(ci, jobs(1))).toMatchObject({
        status: 429,
        retryAfter: "1",
        code: "backpressure",
        message: expect.stringContaining("backlog is full"),
      });
    });

    it("critical alerts still get in past a full backlog, up to its headroom, from any producer", async () => {
      expect(await post(monitor, alerts(5))).toMatchObject({ status: 202 });
      // Billing is at its share of the ordinary backlog, but a critical alert may use the headroom.
      expect(await post(billing, alerts(1))).toMatchObject({ status: 202 });
      expect(await post(monitor, jobs(1))).toMatchObject({ status: 429, retryAfter: "1" });
      // A batch mixing ordinary events is judged as ordinary.
      expect(await post(monitor, [...alerts(1), ...jobs(1)])).toMatchObject({ status: 429, retryAfter: "1" });
      expect(await post(monitor, alerts(4))).toMatchObject({ status: 202 });
      expect(await small.streamLength()).toBe(30);
      expect(await post(monitor, alerts(1))).toMatchObject({
        status: 429,
        retryAfter: "1",
        message: expect.stringContaining("backlog is full"),
      });
    });

    it("a producer's share frees up as the router processes its events", async () => {
      await small.start("router");
      await eventually(
        async () => ((await post(billing, jobs(10))).status === 202 ? true : undefined),
        20_000,
        "billing's share to free up",
      );
    });
  });
});

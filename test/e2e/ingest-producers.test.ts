import { publish } from "../support/clients";
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
});

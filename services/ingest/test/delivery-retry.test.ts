import { ApiError } from "@herald/contract";
import type { QueuedDelivery } from "@herald/db";
import { createLogger } from "@herald/runtime";
import type { RequeueResult, RequeuedDelivery } from "../src/operator/delivery-repository";
import { retryDeadLetter, type RetryDependencies } from "../src/operator/delivery-retry";

const logger = createLogger("test", "silent");
const requeued: RequeuedDelivery = { id: "7", channel: "webhook", round: 2, attempts: 5, previousError: "HTTP 500" };

function fakes(result: RequeueResult, options: { enqueueFails?: boolean; reachable?: boolean } = {}) {
  const calls = { requeue: 0, restored: [] as RequeuedDelivery[], enqueued: [] as QueuedDelivery[] };
  const deps: RetryDependencies = {
    store: {
      requeueDeadLetter: async () => {
        calls.requeue += 1;
        return result;
      },
      restoreDeadLetter: async (d) => void calls.restored.push(d),
    },
    queuer: {
      enqueue: async (deliveries) => {
        if (options.enqueueFails) throw new Error("Connection is closed.");
        calls.enqueued.push(...deliveries);
      },
    },
    queueReachable: async () => options.reachable ?? true,
    logger,
  };
  return { deps, calls };
}

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(error)}`);
  return error;
}

describe("retryDeadLetter", () => {
  it("queues the delivery's new round and answers with it", async () => {
    const { deps, calls } = fakes({ kind: "requeued", delivery: requeued });
    expect(await retryDeadLetter(7n, deps)).toEqual({ id: "7", status: "queued", round: 2 });
    expect(calls.enqueued).toEqual([{ id: "7", channel: "webhook", round: 2 }]);
    expect(calls.restored).toEqual([]);
  });

  it("puts the row back to dead-lettered when the job cannot be queued", async () => {
    const { deps, calls } = fakes({ kind: "requeued", delivery: requeued }, { enqueueFails: true });
    expect(await rejection(retryDeadLetter(7n, deps))).toMatchObject({ status: 503, code: "queue_unavailable" });
    expect(calls.restored).toEqual([requeued]);
  });

  it("touches no row while the queue's Redis does not answer", async () => {
    const { deps, calls } = fakes({ kind: "requeued", delivery: requeued }, { reachable: false });
    expect(await rejection(retryDeadLetter(7n, deps))).toMatchObject({ status: 503, code: "queue_unavailable" });
    expect(calls.requeue).toBe(0);
  });

  it("409 with the current status for a delivery that is not dead-lettered, 404 for none", async () => {
    const notDead = fakes({ kind: "not_dead_lettered", status: "delivered" });
    expect(await rejection(retryDeadLetter(7n, notDead.deps))).toMatchObject({
      status: 409,
      code: "not_dead_lettered",
      details: { status: "delivered" },
    });
    expect(notDead.calls.enqueued).toEqual([]);
    expect(await rejection(retryDeadLetter(7n, fakes({ kind: "not_found" }).deps))).toMatchObject({ status: 404, code: "not_found" });
  });
});

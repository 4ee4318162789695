import { Queue } from "bullmq";
import { createReadinessRedis, type RedisClient } from "@herald/runtime";
import { ReadinessQueue } from "../src/readiness-queue";
import { TEST_REDIS_URL } from "../../../test/support/env";

describe("ReadinessQueue: the scheduler queue on the fail-fast readiness connection", () => {
  const prefix = `herald-test-${process.pid}-readiness`;
  let connection: RedisClient;
  let readiness: ReadinessQueue;

  afterEach(async () => {
    await readiness.close();
    connection.disconnect();
  });

  it("is not built while its connection is still connecting, and answers once the connection is ready", async () => {
    connection = createReadinessRedis({ redisUrl: TEST_REDIS_URL }, { name: "readiness-test" });
    readiness = new ReadinessQueue(connection, "scheduler", prefix);
    // Just created: connecting, so no BullMQ queue may start its version read yet (on a cluster it would fail for good).
    expect(connection.status).not.toBe("ready");
    expect(readiness.get()).toBeUndefined();

    await new Promise((resolve) => connection.once("ready", resolve));
    const queue = readiness.get();
    expect(queue).toBeInstanceOf(Queue);
    expect(readiness.get()).toBe(queue);
    expect(await queue!.getJobScheduler("tick")).toBeUndefined();
  });
});

import { Queue } from "bullmq";
import type { RedisClient } from "@herald/runtime";

/**
 * The scheduler's queue on the fail-fast readiness connection, built only once
 * that connection is ready. BullMQ reads the server's version as it builds a
 * queue, and on a Redis Cluster it takes a cluster still connecting (status
 * "connect") for ready: on a connection without an offline queue that read
 * fails ("Cluster isn't ready and enableOfflineQueue options is false"), and
 * the queue stays broken for good, so /ready never passed (seen in
 * test:cluster runs). Until the connection is ready /ready fails on its Redis
 * check anyway.
 */
export class ReadinessQueue {
  private queue?: Queue;

  constructor(
    private readonly connection: RedisClient,
    private readonly name: string,
    private readonly prefix: string,
  ) {}

  /** The queue, or undefined while its connection is not ready. */
  get(): Queue | undefined {
    if (!this.queue && this.connection.status === "ready")
      this.queue = new Queue(this.name, { connection: this.connection, prefix: this.prefix });
    return this.queue;
  }

  async close(): Promise<void> {
    await this.queue?.close();
  }
}

import type { RedisClient } from "./redis";

/** What OnceReady builds: something that holds the connection and must be closed. */
export interface Closable {
  close(): Promise<void>;
}

/**
 * A BullMQ object (a queue, a set of queues) on a fail-fast connection, built
 * only once that connection is ready. BullMQ reads the server's version as it
 * builds a queue, and on a Redis Cluster it takes a cluster still connecting
 * (status "connect") for ready: on a connection without an offline queue that
 * read fails ("Cluster isn't ready and enableOfflineQueue options is false"),
 * and the queue stays broken for good, until the process restarts (seen in
 * test:cluster runs: the scheduler's /ready never passed). Callers treat
 * "not built yet" as Redis being unreachable, which it is for them.
 */
export class OnceReady<T extends Closable> {
  private value?: T;

  constructor(
    private readonly connection: RedisClient,
    private readonly build: () => T,
  ) {}

  /** The object, or undefined while its connection is not ready. */
  get(): T | undefined {
    if (!this.value && this.connection.status === "ready") this.value = this.build();
    return this.value;
  }

  /** Closes what was built; nothing, if the connection was never ready. */
  async close(): Promise<void> {
    await this.value?.close();
  }
}

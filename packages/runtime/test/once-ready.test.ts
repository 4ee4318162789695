import { createReadinessRedis, OnceReady, type RedisClient } from "../src";
import { TEST_REDIS_URL } from "../../../test/support/env";

/** Like a BullMQ queue: it sends a command on its connection the moment it is built. */
class Probe {
  readonly reply: Promise<string>;
  closed = false;

  constructor(connection: RedisClient) {
    this.reply = connection.ping();
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

describe("OnceReady: an object on a fail-fast connection, built once that connection is ready", () => {
  let connection: RedisClient;
  let built: Probe[];
  let readiness: OnceReady<Probe>;

  beforeEach(() => {
    connection = createReadinessRedis({ redisUrl: TEST_REDIS_URL }, { name: "once-ready-test" });
    built = [];
    readiness = new OnceReady(connection, () => {
      const probe = new Probe(connection);
      built.push(probe);
      return probe;
    });
  });

  afterEach(() => connection.disconnect());

  it("is not built while its connection is still connecting, and is built once (its first command answered) when it is ready", async () => {
    // Just created: connecting. A command now fails at once (no offline queue), and a BullMQ queue would stay broken.
    expect(connection.status).not.toBe("ready");
    expect(readiness.get()).toBeUndefined();
    expect(built).toHaveLength(0);

    await new Promise((resolve) => connection.once("ready", resolve));
    const probe = readiness.get();
    expect(probe).toBeInstanceOf(Probe);
    expect(await probe!.reply).toBe("PONG");
    expect(readiness.get()).toBe(probe);
    expect(built).toHaveLength(1);

    await readiness.close();
    expect(probe!.closed).toBe(true);
  });

  it("closes nothing, and builds nothing, when the connection never became ready", async () => {
    await readiness.close();
    expect(built).toHaveLength(0);
  });
});

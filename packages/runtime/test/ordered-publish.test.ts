import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { withOrderedPublish } from "../src";
import { TEST_REDIS_URL } from "../../../test/support/env";

/**
 * A connection that is not ready yet (a cluster node's, made on first use;
 * any one reconnecting): ioredis queues the PUBLISHes called before its
 * socket connects and writes those called after at once, before the queue.
 */
describe("withOrderedPublish", () => {
  const channel = `ordered-publish-${randomBytes(4).toString("hex")}`;
  const subscriber = new Redis(TEST_REDIS_URL);
  const received: number[] = [];
  const clients: Redis[] = [];

  beforeAll(async () => {
    await subscriber.subscribe(channel);
    subscriber.on("message", (_channel: string, message: string) => received.push(Number(message)));
  });

  afterAll(() => {
    subscriber.disconnect();
    clients.forEach((c) => c.disconnect());
  });

  it("sends PUBLISHes in call order while the connection is still connecting", async () => {
    const fresh = new Redis(TEST_REDIS_URL, { lazyConnect: true });
    clients.push(fresh);
    const publisher = withOrderedPublish(fresh);
    const sent: Promise<number>[] = [];
    // As a gateway broadcasts: a few at a time, the event loop turning in between.
    for (let i = 0; i < 60; i++) {
      sent.push(publisher.publish(channel, String(i)));
      if (i % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    // Each resolves with the number of subscribers that got it, as PUBLISH does.
    expect(await Promise.all(sent)).toEqual(sent.map(() => 1));
    const until = Date.now() + 5_000;
    while (received.length < 60 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(received).toEqual(Array.from({ length: 60 }, (_, i) => i));
    // Anything else is the client's own.
    expect(await publisher.ping()).toBe("PONG");
  });

  it("fails a PUBLISH on a connection closed for good instead of holding it", async () => {
    const closed = new Redis(TEST_REDIS_URL, { lazyConnect: true });
    closed.disconnect();
    await expect(withOrderedPublish(closed).publish(channel, "late")).rejects.toThrow(/closed/i);
  });
});

import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { decode } from "notepack.io";
import { NotificationPusher, type PendingPush } from "@herald/dispatch";
import { createRedis } from "@herald/runtime";
import { TEST_REDIS_URL } from "../support/env";
import { testClusterNodes } from "../support/test-redis";

/**
 * On a cluster, a keyless command goes to a random node: pushes for one user
 * sent that way reach the gateways out of order. The pusher keeps a batch on
 * one node, so a subscriber on another node sees the batch in id order.
 */
describe("pushes on a Redis Cluster", () => {
  const nodes = testClusterNodes()!;
  const key = `t${randomBytes(4).toString("hex")}:socket.io`;
  // As the digest-scheduler connects: without auto-pipelining each keyless PUBLISH picks its own node.
  const cluster = createRedis({ redisUrl: TEST_REDIS_URL, redisClusterNodes: nodes }, { name: "pusher" });
  const subscriber = new Redis(nodes[nodes.length - 1]!.port, nodes[nodes.length - 1]!.host);

  afterAll(() => {
    cluster.disconnect();
    subscriber.disconnect();
  });

  it("reach a subscriber on any node in id order, the whole batch before push() resolves", async () => {
    const received: number[] = [];
    await subscriber.psubscribe(`${key}#*`);
    subscriber.on("pmessageBuffer", (_pattern: Buffer, _channel: Buffer, message: Buffer) => {
      const [, packet] = decode(message) as [string, { data: [string, { id: number }] }];
      received.push(packet.data[1].id);
    });
    const pusher = new NotificationPusher(cluster, key);
    const batch: PendingPush[] = Array.from({ length: 300 }, (_, i) => ({
      id: i + 1,
      eventId: `e${i}`,
      userId: "alice",
      type: "job.completed",
      category: "job",
      critical: false,
      title: `t${i}`,
      body: "",
      payload: {},
      createdAt: new Date().toISOString(),
    }));
    for (let round = 0; round < 3; round++) {
      await pusher.push(
        batch.map((p) => ({ ...p, id: p.id + round * batch.length })),
        new Map([["alice", batch.length]]),
      );
    }
    // Relayed over the cluster bus to the subscriber's node: give it a moment.
    const until = Date.now() + 5_000;
    while (received.length < 3 * batch.length && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(received).toEqual(Array.from({ length: 3 * batch.length }, (_, i) => i + 1));
  });
});

// A @herald/sdk subscriber in a process of its own, for tests that kill it:
// prints "handling <eventId>" when its handler starts and "handled <eventId>"
// when it resolves; each handler takes HANDLER_MS.
//   node test/support/sdk-subscriber-process.mjs   (env: REDIS_URL, REDIS_CLUSTER_NODES, HERALD_NAMESPACE, NAME, CLAIM_IDLE_MS, HANDLER_MS)
import { subscribe } from "@herald/sdk";

const handlerMs = Number(process.env.HANDLER_MS ?? 0);
await subscribe({
  name: process.env.NAME,
  eventTypes: ["*"],
  redisUrl: process.env.REDIS_URL,
  // Under npm run test:cluster: host:port,host:port,...
  redisClusterNodes: process.env.REDIS_CLUSTER_NODES?.split(",").map((n) => ({
    host: n.slice(0, n.lastIndexOf(":")),
    port: Number(n.slice(n.lastIndexOf(":") + 1)),
  })),
  namespace: process.env.HERALD_NAMESPACE,
  claimIdleMs: Number(process.env.CLAIM_IDLE_MS ?? 30000),
  batchSize: 5,
  handler: async (event) => {
    process.stdout.write(`handling ${event.id}\n`);
    await new Promise((resolve) => setTimeout(resolve, handlerMs));
    process.stdout.write(`handled ${event.id}\n`);
  },
});
process.stdout.write("subscribed\n");

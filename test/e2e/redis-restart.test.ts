import { eventually, publish, RecordingClient } from "../support/clients";
import { RedisServer } from "../support/redis-server";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

/** Far below what a hung /ready took (until the client gave up), above any scheduling hiccup on a busy machine. */
const ANSWERS_WITHIN_MS = 2_000;

const SERVICES = ["ingest", "router", "realtime-gateway", "digest-scheduler", "delivery-worker"] as const;

/**
 * Every service on a redis-server of the test's own, which it kills and
 * restarts empty (no AOF, no RDB): `/ready` says so at once while Redis is
 * away.
 */
describe("Redis down, then back without its data", () => {
  let redisServer: RedisServer;
  let stack: TestStack;
  const clients: RecordingClient[] = [];
  const producer = producerToken();

  beforeAll(async () => {
    redisServer = await RedisServer.start();
    stack = await TestStack.create({ REDIS_URL: redisServer.url });
    await Promise.all(SERVICES.map((name) => stack.start(name)));
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await stack.stop();
    await redisServer.kill();
  });

  const gateway = () => stack.service("realtime-gateway").url;
  const ready = async (name: string) => {
    const res = await fetch(`${stack.service(name).url}/ready`, { signal: AbortSignal.timeout(ANSWERS_WITHIN_MS) });
    return { status: res.status, body: (await res.json()) as { checks: Record<string, boolean> } };
  };
  const connect = async (userId: string) => {
    const client = new RecordingClient(gateway(), userToken(userId));
    clients.push(client);
    await client.connected();
    return client;
  };
  const send = async (event: Record<string, unknown>) => {
    const res = await publish(stack.service("ingest").url, producer, event);
    expect(res.status).toBe(202);
    return res.body!.id as string;
  };
  /** A job event for `userId` reaches their socket: ingest → stream → router → gateway. */
  const routes = async (client: RecordingClient, userId: string) => {
    const id = await send({ type: "job.completed", payload: { ownerUserId: userId, jobName: "probe" } });
    await eventually(() => client.notifications.find((n) => n.eventId === id), 10_000, `routing for ${userId}`);
  };

  it("/ready answers 503 promptly on every service while Redis is down, and 200 once it is back", async () => {
    const alice = await connect("alice");
    await routes(alice, "alice");
    await redisServer.kill();
    const took: Record<string, number> = {};
    for (const name of SERVICES) {
      const started = Date.now();
      const { status, body } = await ready(name);
      took[name] = Date.now() - started;
      expect({ name, status, redis: body.checks.redis }).toEqual({ name, status: 503, redis: false });
      expect(took[name]).toBeLessThan(ANSWERS_WITHIN_MS);
    }
    console.info(`GET /ready with Redis down answered 503 in (ms): ${JSON.stringify(took)}`);
    // Back, but empty: no stream, no consumer group, no job scheduler.
    await redisServer.restart();
    for (const name of SERVICES)
      await eventually(async () => ((await ready(name)).status === 200 ? true : undefined), 15_000, `${name} ready`);
  });
});

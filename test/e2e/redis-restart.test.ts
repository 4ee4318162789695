import { Redis } from "ioredis";
import { api, eventually, publish, RecordingClient } from "../support/clients";
import { RedisServer } from "../support/redis-server";
import { TestStack } from "../support/stack";
import { producerToken, userToken } from "../support/tokens";

/**
 * A hung /ready never answered while Redis was down; the services answer in
 * well under READINESS_CHECK_TIMEOUT_MS (1 s). The margin is for a loaded
 * test machine.
 */
const ANSWERS_WITHIN_MS = 3_000;
const DIGEST_MS = 2_000;

const SERVICES = ["ingest", "router", "realtime-gateway", "digest-scheduler", "delivery-worker"] as const;

/**
 * Every service on a redis-server of the test's own, which it kills and
 * restarts empty (no AOF, no RDB), or flushes: `/ready` says so at once while
 * Redis is away, and afterwards routing (the router's consumer group) and
 * the digest-scheduler's tick (a BullMQ job scheduler) come back by
 * themselves, with nobody restarting a Herald process.
 */
describe("Redis down, then back without its data", () => {
  let redisServer: RedisServer;
  let own: Redis;
  let stack: TestStack;
  const clients: RecordingClient[] = [];
  const producer = producerToken();

  beforeAll(async () => {
    redisServer = await RedisServer.start();
    own = new Redis(redisServer.url);
    own.on("error", () => undefined);
    stack = await TestStack.create({ REDIS_URL: redisServer.url, SCHEDULER_TICK_MS: "250", DIGEST_HOURLY_MS: String(DIGEST_MS) });
    await Promise.all(SERVICES.map((name) => stack.start(name)));
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await stack.stop();
    own.disconnect();
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
  /** DND until a moment just ahead: only the scheduler's tick releases what it held. */
  const releasesAfterDnd = async (userId: string) => {
    const token = userToken(userId);
    const until = new Date(Date.now() + 1_000).toISOString();
    expect((await api(gateway(), token, "PUT", "/api/v1/notifications/settings", { dndEnabled: true, dndUntil: until })).status).toBe(200);
    const client = await connect(userId);
    const id = await send({ type: "job.failed", payload: { ownerUserId: userId, jobName: "held" } });
    await eventually(() => client.notifications.find((n) => n.eventId === id), 10_000, `DND release for ${userId}`);
  };
  /** Digest mode: the job event waits for the digest the tick sends once DIGEST_HOURLY_MS has passed. */
  const sendsDigest = async (userId: string) => {
    const token = userToken(userId);
    expect(
      (await api(gateway(), token, "PUT", "/api/v1/notifications/settings", { digestEnabled: true, digestInterval: "hourly" })).status,
    ).toBe(200);
    const client = await connect(userId);
    await send({ type: "job.completed", payload: { ownerUserId: userId, jobName: "digested" } });
    const digest = await eventually(() => client.notifications.find((n) => n.type === "digest"), 15_000, `digest for ${userId}`);
    expect(digest.payload).toMatchObject({ counts: { jobsCompleted: 1 } });
  };

  it("/ready answers 503 promptly on every service while Redis is down, and 200 once it is back", async () => {
    const alice = await connect("alice");
    await routes(alice, "alice");
    await redisServer.kill();
    const answers = await Promise.all(
      SERVICES.map(async (name) => {
        const started = Date.now();
        const { status, body } = await ready(name);
        return { name, status, redis: body.checks.redis, ms: Date.now() - started };
      }),
    );
    expect(answers.map(({ ms: _ms, ...answer }) => answer)).toEqual(SERVICES.map((name) => ({ name, status: 503, redis: false })));
    const took = Object.fromEntries(answers.map((a) => [a.name, a.ms]));
    console.info(`GET /ready with Redis down answered 503 in (ms): ${JSON.stringify(took)}`);
    // Back, but empty: no stream, no consumer group, no job scheduler.
    await redisServer.restart();
    for (const name of SERVICES)
      await eventually(async () => ((await ready(name)).status === 200 ? true : undefined), 15_000, `${name} ready`);
  });

  it("after the restart without data, events are routed again, and DND releases and digests run again", async () => {
    const bob = await connect("bob");
    await routes(bob, "bob");
    await releasesAfterDnd("dnd-after-restart");
    await sendsDigest("digest-after-restart");
  });

  it("after FLUSHALL, the same: the router re-creates its group and the scheduler its tick", async () => {
    await own.flushall();
    const carol = await connect("carol");
    await routes(carol, "carol");
    await releasesAfterDnd("dnd-after-flush");
    await sendsDigest("digest-after-flush");
    expect((await ready("router")).body.checks).toMatchObject({ consumerGroup: true });
    expect((await ready("digest-scheduler")).body.checks).toMatchObject({ tickScheduler: true, retentionScheduler: true });
  });

  it("the router's /ready is 503 while its group is missing and cannot be re-created", async () => {
    // A key of the wrong type where the stream should be: XGROUP CREATE fails until it is gone.
    await own.del(stack.names.eventStream);
    await own.set(stack.names.eventStream, "not a stream");
    await eventually(async () => ((await ready("router")).status === 503 ? true : undefined), 10_000, "router unready");
    expect((await ready("router")).body.checks).toMatchObject({ redis: true, consumerGroup: false });
    await own.del(stack.names.eventStream);
    await eventually(async () => ((await ready("router")).status === 200 ? true : undefined), 10_000, "router ready again");
    const dave = await connect("dave");
    await routes(dave, "dave");
  });
});

import { api, eventually, sleep, type RecordingClient } from "../support/clients";
import { producerToken, userToken } from "../support/tokens";
import { ChaosStack } from "./support/chaos-stack";
import { pushCensus, storeCensus, webhookCensus } from "./support/census";
import { percentile, reportFigures, share } from "./support/figures";
import { Publisher, type ChaosEvent } from "./support/publisher";
import { redisFootprint, rssMiB, tableFootprints, type RedisFootprint, type TableFootprint } from "./support/resources";
import { closeAll, connectUsers, receivedBy } from "./support/sockets";
import { deadLetters, pendingTotal, undelivered } from "./support/stream-state";
import { ScriptedReceiver, subscribeWebhook } from "./support/webhooks";

/** 60 s in CI; the README's figures come from CHAOS_SOAK_SECONDS=600. */
const SECONDS = Number(process.env.CHAOS_SOAK_SECONDS ?? 60);
const SOCKETS = Number(process.env.CHAOS_SOAK_SOCKETS ?? 1000);
const RATE = Number(process.env.CHAOS_SOAK_RATE ?? 50);
const SAMPLE_MS = 5_000;
/** The first and last windows compared: a tenth of the run, at least 10 s; the first starts after a warm-up (JIT, pools). */
const WINDOW_MS = Math.max(10_000, SECONDS * 100);
const WARM_UP_MS = 5_000;

const SOCKET_USERS = Array.from({ length: SOCKETS }, (_, i) => `soak-user-${i}`);
const WEBHOOK_USERS = Array.from({ length: 10 }, (_, i) => `soak-hook-${i}`);
const DIGEST_USERS = Array.from({ length: 20 }, (_, i) => `soak-digest-${i}`);

/** Of every 20 events: 17 in-app to a socket user, 1 job.failed to a webhook user, 2 to digest users. */
function eventAt(i: number): { event: ChaosEvent; recipient: string } {
  const slot = i % 20;
  const [type, recipient] =
    slot === 0
      ? ["job.failed", WEBHOOK_USERS[(i / 20) % WEBHOOK_USERS.length]!]
      : slot < 3
        ? ["job.completed", DIGEST_USERS[i % DIGEST_USERS.length]!]
        : ["job.completed", SOCKET_USERS[i % SOCKET_USERS.length]!];
  return { event: { id: `soak-${i}`, type, payload: { ownerUserId: recipient, jobName: `j${i}`, error: "OOM" } }, recipient };
}
const indexOf = (id: string) => Number(id.slice("soak-".length));

interface Sample {
  readonly at: number;
  readonly rss: Record<string, number>;
  readonly redis: RedisFootprint;
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
const mib = (n: number) => `${n.toFixed(1)} MiB`;

/**
 * A steady stream of events for CHAOS_SOAK_SECONDS with 1,000 live sockets
 * over two gateways, webhooks and digests running too: what every service,
 * Redis and Postgres hold at the start and at the end, and the
 * publish→socket p99 of the first and last windows. Nothing may grow
 * without bound: memory levels off, the stream stays trimmed, latency stays put.
 */
describe(`chaos: ${SECONDS} s soak at ${RATE} events/s with ${SOCKETS} sockets`, () => {
  let chaos: ChaosStack;
  let clients: Map<string, RecordingClient>;
  let receiver: ScriptedReceiver;

  beforeAll(async () => {
    receiver = await ScriptedReceiver.start(() => 200);
    chaos = await ChaosStack.create({
      env: { WEBHOOK_ALLOWED_HOSTS: "127.0.0.1", SCHEDULER_TICK_MS: "1000", DIGEST_HOURLY_MS: "10000", LOG_LEVEL: "warn" },
    });
    const { stack } = chaos;
    await Promise.all([
      stack.start("ingest"),
      stack.start("router"),
      stack.start("realtime-gateway", { key: "gw1" }),
      stack.start("realtime-gateway", { key: "gw2" }),
      stack.start("delivery-worker"),
      stack.start("digest-scheduler"),
    ]);
    const gateway = stack.service("gw1").url;
    for (const user of WEBHOOK_USERS) await subscribeWebhook(gateway, user, receiver.url(user));
    for (const user of DIGEST_USERS) {
      const res = await api(gateway, userToken(user), "PUT", "/api/v1/notifications/settings", {
        digestEnabled: true,
        digestInterval: "hourly",
      });
      if (res.status !== 200) throw new Error(`settings: ${res.status}`);
    }
    clients = await connectUsers([stack.service("gw1").url, stack.service("gw2").url], SOCKET_USERS);
  }, 300_000);

  afterAll(async () => {
    closeAll(clients?.values() ?? []);
    await chaos?.stop();
    await receiver?.stop();
  });

  it("holds steady: memory levels off, the stream stays trimmed, p99 latency stays put, nothing lost", async () => {
    const { stack } = chaos;
    const sample = async (): Promise<Sample> => ({
      at: Date.now(),
      rss: Object.fromEntries([...stack.services].map(([key, service]) => [key, rssMiB(service.pid)])),
      redis: await redisFootprint(chaos.probe, stack.names.eventStream),
    });
    const samples: Sample[] = [await sample()];
    const tablesAtStart = await tableFootprints(stack.db);
    const publisher = new Publisher(stack.service("ingest").url, producerToken());
    const started = Date.now();
    const endAt = started + SECONDS * 1000;
    const sampling = (async () => {
      while (Date.now() < endAt) {
        await sleep(SAMPLE_MS);
        samples.push(await sample());
      }
    })();
    const sent = await publisher.steady({
      ratePerSecond: RATE,
      event: (i) => eventAt(i).event,
      until: () => Date.now() >= endAt,
      maxInFlight: 32,
    });
    await sampling;
    const tablesAtEnd = await tableFootprints(stack.db);

    await eventually(
      async () =>
        (await undelivered(chaos.probe, stack.names)) === 0 && (await pendingTotal(chaos.probe, stack.names)) === 0 ? true : undefined,
      60_000,
      "stream drained",
    );
    await sleep(2_000);
    const store = await storeCensus(stack.db, publisher.accepted.keys(), (id) => [eventAt(indexOf(id)).recipient]);
    const push = await pushCensus(stack.db, receivedBy(clients));
    const hooks = await webhookCensus(stack.db, receiver.requests, receiver.answers);
    const dead = await deadLetters(chaos.probe, stack.names);

    // publish → socket latency of the in-app events sent in the first and in the last window.
    const arrival = new Map<string, number>();
    for (const client of clients.values()) {
      for (const e of client.events) {
        if (e.event !== "notification") continue;
        const eventId = (e.args[0] as { eventId: string | null }).eventId;
        if (eventId && !arrival.has(eventId)) arrival.set(eventId, e.at);
      }
    }
    const latencies = (from: number, to: number) =>
      publisher.outcomes
        .filter((o) => o.status === 202 && o.sentAt >= from && o.sentAt < to && arrival.has(o.id))
        .map((o) => arrival.get(o.id)! - o.sentAt);
    const firstWindow = latencies(started + WARM_UP_MS, started + WARM_UP_MS + WINDOW_MS);
    const lastWindow = latencies(endAt - WINDOW_MS, endAt);
    const [p99First, p99Last] = [percentile(firstWindow, 99), percentile(lastWindow, 99)];

    // Level, not noise: the mean of the first and of the last third of the samples.
    const third = Math.max(1, Math.floor(samples.length / 3));
    const early = samples.slice(0, third);
    const late = samples.slice(-third);
    const rssGrowth = Object.keys(samples[0]!.rss).map((key) => ({
      key,
      start: samples[0]!.rss[key]!,
      early: mean(early.map((s) => s.rss[key]!)),
      late: mean(late.map((s) => s.rss[key]!)),
      end: samples.at(-1)!.rss[key]!,
      max: Math.max(...samples.map((s) => s.rss[key]!)),
    }));
    const [redisStart, redisEnd] = [samples[0]!.redis, samples.at(-1)!.redis];
    const maxStream = Math.max(...samples.map((s) => s.redis.streamLength));
    const tableLine = (t: TableFootprint, u: TableFootprint) => `${t.rows} → ${u.rows} rows, ${mib(t.MiB)} → ${mib(u.MiB)}`;

    reportFigures({
      scenario: `soak ${SECONDS} s, ${RATE} events/s, ${clients.size} sockets`,
      headline: {
        accepted: `${store.accepted} of ${sent} sent`,
        stored: `${share(store.storedNotifications, store.expectedNotifications)} notifications`,
        pushed: share(push.pushed, push.expected),
        delivered: `${share(hooks.delivered, hooks.deliveries)} webhooks`,
        lost: `${store.lostEvents.length} events, ${store.lostNotifications} notifications, ${push.gaps} pushes`,
        duplicated: `${store.duplicateRows} rows, ${push.duplicates} pushes, ${hooks.repeats} webhook repeats`,
      },
      details: [
        [
          "publish→socket p50 / p99, first window (after 5 s)",
          `${percentile(firstWindow, 50)} / ${p99First} ms (${firstWindow.length} events)`,
        ],
        ["publish→socket p50 / p99, last window", `${percentile(lastWindow, 50)} / ${p99Last} ms (${lastWindow.length} events)`],
        ...rssGrowth.map((r): [string, string] => [
          `RSS ${r.key}`,
          `${mib(r.start)} → ${mib(r.end)} (first third ${mib(r.early)}, last third ${mib(r.late)}, max ${mib(r.max)})`,
        ]),
        [
          "Redis used memory",
          `${mib(redisStart.usedMemoryMiB)} → ${mib(redisEnd.usedMemoryMiB)} (${redisStart.keys} → ${redisEnd.keys} keys)`,
        ],
        ["Redis stream length", `${redisStart.streamLength} → ${redisEnd.streamLength} (max ${maxStream})`],
        ...tablesAtStart.map((t, i): [string, string] => [`table ${t.table}`, tableLine(t, tablesAtEnd[i]!)]),
        ["dead letters", dead],
      ],
    });

    expect(store.lostEvents).toEqual([]);
    expect(store.lostNotifications).toBe(0);
    expect(store.duplicateRows).toBe(0);
    expect(push.gaps).toBe(0);
    expect(hooks.delivered).toBe(hooks.deliveries);
    expect(dead).toBe(0);
    // The router keeps up and trims: the stream holds seconds of traffic, never the run's.
    expect(maxStream).toBeLessThan(Math.max(1_000, RATE * 15));
    // Memory levels off (a shared, loaded machine's noise allowed): the last third stays near the first.
    const grown = rssGrowth.filter((r) => r.late > r.early * 1.3 + 40).map((r) => r.key);
    expect(grown).toEqual([]);
    // Redis grows only by the idempotency keys (kept IDEMPOTENCY_TTL_SECONDS) and queue records, not by the stream.
    expect(((redisEnd.usedMemoryMiB - redisStart.usedMemoryMiB) * 1024 * 1024) / Math.max(store.accepted, 1)).toBeLessThan(2_048);
    expect(p99Last).toBeLessThan(p99First * 3 + 1_000);
  });
});

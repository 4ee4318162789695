import { eventually, sleep, type RecordingClient } from "../support/clients";
import { producerToken } from "../support/tokens";
import { ChaosStack } from "./support/chaos-stack";
import { pushCensus, storeCensus } from "./support/census";
import { percentile, reportFigures, share } from "./support/figures";
import { Publisher, type ChaosEvent } from "./support/publisher";
import { firstLogAfter } from "./support/service-logs";
import { closeAll, connectUsers, receivedBy } from "./support/sockets";
import { deadLetters, pendingTotal, undelivered } from "./support/stream-state";

const RATE = Number(process.env.CHAOS_REDIS_RATE ?? 200);
const BEFORE_MS = 4_000;
const DOWN_MS = 5_000;
const AFTER_MS = 5_000;
/**
 * appendfsync everysec fsyncs the AOF once a second; Redis documents that a
 * crash may lose up to about two seconds of writes when an fsync is slow.
 */
const EVERYSEC_WINDOW_MS = 2_000;
const USERS = Array.from({ length: 20 }, (_, i) => `redis-user-${i}`);
const ownerOf = (i: number) => USERS[i % USERS.length]!;

describe("chaos: Redis killed with SIGKILL mid-burst and restarted from its append-only file (appendfsync everysec)", () => {
  let chaos: ChaosStack;
  let clients: Map<string, RecordingClient>;

  beforeAll(async () => {
    chaos = await ChaosStack.create({ appendfsync: "everysec" });
    await Promise.all([chaos.stack.start("ingest"), chaos.stack.start("router"), chaos.stack.start("realtime-gateway")]);
    clients = await connectUsers([chaos.stack.service("realtime-gateway").url], USERS);
  });
  afterAll(async () => {
    closeAll(clients?.values() ?? []);
    await chaos?.stop();
  });

  it("loses at most the fsync window, answers 503 at once while down, and every service recovers by itself", async () => {
    const { stack } = chaos;
    const publisher = new Publisher(stack.service("ingest").url, producerToken());
    const event = (i: number): ChaosEvent => ({
      id: `rk-${i}`,
      type: "job.completed",
      payload: { ownerUserId: ownerOf(i), jobName: `j${i}` },
    });
    const phase = { killedAt: 0, restartedAt: 0, stopAt: Number.POSITIVE_INFINITY };
    const publishing = publisher.steady({ ratePerSecond: RATE, event, until: () => Date.now() >= phase.stopAt });

    await sleep(BEFORE_MS);
    await chaos.redis.kill();
    phase.killedAt = Date.now();
    await sleep(DOWN_MS);
    await chaos.redis.restart();
    phase.restartedAt = Date.now();
    phase.stopAt = phase.restartedAt + AFTER_MS;
    await publishing;

    // Recovery: the router drains what the AOF kept plus what came after.
    await eventually(
      async () =>
        (await undelivered(chaos.probe, stack.names)) === 0 && (await pendingTotal(chaos.probe, stack.names)) === 0 ? true : undefined,
      60_000,
      "stream drained",
    );
    const drainedAt = Date.now();
    const owners = new Map([...publisher.outcomes].map((o) => [o.id, [ownerOf(Number(o.id.slice(3)))]]));
    const store = await storeCensus(stack.db, publisher.accepted.keys(), (id) => owners.get(id) ?? []);

    // What ingest answered while Redis was down (requests sent after the kill had surely landed).
    const duringOutage = publisher.outcomes.filter((o) => o.sentAt >= phase.killedAt + 100 && o.sentAt < phase.restartedAt);
    const outageLatencies = duringOutage.map((o) => o.answeredAt - o.sentAt);
    // The same machine's answer time with Redis up: "at once" is relative to what a 202 costs here.
    const beforeKill = publisher.outcomes.filter((o) => o.sentAt < phase.killedAt - 500);
    const baseline = beforeKill.filter((o) => o.status === 202).map((o) => o.answeredAt - o.sentAt);
    const firstAcceptAfter = Math.min(
      ...publisher.outcomes.filter((o) => o.status === 202 && o.sentAt >= phase.restartedAt).map((o) => o.answeredAt),
    );
    const lost = store.lostEvents.map((id) => publisher.accepted.get(id)!);
    const lossWindowMs = lost.length > 0 ? phase.killedAt - Math.min(...lost) : 0;
    const acceptedInWindow = [...publisher.accepted.values()].filter((at) => at <= phase.killedAt && at > phase.killedAt - 1_000).length;

    // Pushes of events accepted once everything had reconnected must all arrive; the outage itself may cost pushes in flight.
    await sleep(1_500);
    const push = await pushCensus(stack.db, receivedBy(clients));
    const afterRestartIds = new Set(publisher.outcomes.filter((o) => o.status === 202 && o.sentAt >= firstAcceptAfter).map((o) => o.id));
    const receivedEventIds = new Set([...clients.values()].flatMap((c) => c.notifications.map((n) => n.eventId)));
    const missedAfterRestart = [...afterRestartIds].filter((id) => !receivedEventIds.has(id)).length;
    const dead = await deadLetters(chaos.probe, stack.names);
    const nogroup = stack.service("router").logs.includes("NOGROUP");
    const reconnected = Object.fromEntries(
      ["ingest", "router", "realtime-gateway"].map((name) => {
        const at = firstLogAfter(stack.service(name).logs, "redis connection restored", phase.restartedAt - 50);
        return [name, at === undefined ? "not logged" : `${at - phase.restartedAt} ms`];
      }),
    );

    reportFigures({
      scenario: "Redis SIGKILL mid-burst, restart with AOF (everysec)",
      headline: {
        accepted: String(store.accepted),
        stored: `${share(store.storedEvents, store.accepted)} events`,
        pushed: share(push.pushed, push.expected),
        delivered: "n/a",
        lost: `${store.lostEvents.length} accepted events (window ${lossWindowMs} ms), ${push.gaps} pushes`,
        duplicated: `${store.duplicateRows} rows, ${push.duplicates} pushes`,
      },
      details: [
        ["publishing", `${RATE}/s single events; Redis down ${DOWN_MS} ms; answers ${JSON.stringify(publisher.countByStatus())}`],
        [
          "accepted in the last second before the kill",
          `${acceptedInWindow} (what everysec may lose if the machine, not just Redis, dies)`,
        ],
        [
          "answers while down",
          `${JSON.stringify(countStatuses(duringOutage))}; latency p50 ${percentile(outageLatencies, 50)} ms, p99 ${percentile(outageLatencies, 99)} ms, max ${Math.max(...outageLatencies)} ms`,
        ],
        ["202 latency before the kill", `p50 ${percentile(baseline, 50)} ms, p99 ${percentile(baseline, 99)} ms`],
        ["restart → Redis connection restored", JSON.stringify(reconnected)],
        ["restart → first 202", `${firstAcceptAfter - phase.restartedAt} ms`],
        ["restart → backlog drained", `${drainedAt - phase.restartedAt} ms`],
        ["stored though not answered 202", store.storedUnaccepted],
        ["pushes missed for events accepted after recovery", missedAfterRestart],
        ["dead letters", dead],
        ["router saw NOGROUP", String(nogroup)],
      ],
    });

    // With the AOF, what may be lost is bounded by the fsync window before the kill.
    expect(lost.every((at) => at > phase.killedAt - EVERYSEC_WINDOW_MS)).toBe(true);
    expect(store.duplicateRows).toBe(0);
    expect(store.lostNotifications).toBe(store.lostEvents.length);
    expect(store.undispatched).toBe(0);
    expect(dead).toBe(0);
    expect(nogroup).toBe(false);
    // Ingest refused every request while Redis was down with a 503, at once: no request waits for Redis.
    // "At once" is against the same machine's 202s just before the kill (a shared 2-core machine answers
    // as slowly as its load makes it), and the client giving up (10 s) may not happen more than it did then.
    const answered = duringOutage.filter((o) => o.status !== "network");
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.filter((o) => o.status !== 503)).toEqual([]);
    expect(percentile(outageLatencies, 50)).toBeLessThanOrEqual(percentile(baseline, 50) * 2 + 250);
    expect(unansweredShare(duringOutage)).toBeLessThanOrEqual(unansweredShare(beforeKill) + 0.1);
    // Each service reconnected by itself (ioredis retries at most 2 s apart): ingest accepts, the router routes, the gateway pushes.
    expect(firstAcceptAfter - phase.restartedAt).toBeLessThan(10_000);
    expect(afterRestartIds.size).toBeGreaterThan(0);
    expect(missedAfterRestart).toBe(0);
  });
});

function unansweredShare(outcomes: readonly { status: number | "network" }[]): number {
  return outcomes.filter((o) => o.status === "network").length / Math.max(outcomes.length, 1);
}

function countStatuses(outcomes: readonly { status: number | "network" }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[String(o.status)] = (counts[String(o.status)] ?? 0) + 1;
  return counts;
}

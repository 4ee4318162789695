import { eventually, sleep, type RecordingClient } from "../support/clients";
import { producerToken } from "../support/tokens";
import { ChaosStack } from "./support/chaos-stack";
import { pushCensus, storeCensus, webhookCensus, type PushCensus, type StoreCensus, type WebhookCensus } from "./support/census";
import { reportFigures, share } from "./support/figures";
import { Publisher, type ChaosEvent, type PublishOutcome } from "./support/publisher";
import { closeAll, connectUsers, receivedBy } from "./support/sockets";
import { deadLetters, pendingTotal, undelivered } from "./support/stream-state";
import { ScriptedReceiver, subscribeWebhook } from "./support/webhooks";

const OUTAGE_MS = Number(process.env.CHAOS_PG_OUTAGE_SECONDS ?? 30) * 1000;
const RATE = 100;
const BATCH = 200;
const IN_APP_USERS = Array.from({ length: 20 }, (_, i) => `pg-user-${i}`);
const WEBHOOK_USERS = Array.from({ length: 5 }, (_, i) => `pg-hook-${i}`);

/** Nine in-app job.completed events for every job.failed that also goes to a webhook. */
function eventAt(i: number): { event: ChaosEvent; recipient: string } {
  const recipient = i % 10 === 0 ? WEBHOOK_USERS[(i / 10) % WEBHOOK_USERS.length]! : IN_APP_USERS[i % IN_APP_USERS.length]!;
  const type = i % 10 === 0 ? "job.failed" : "job.completed";
  return { event: { id: `pg-${i}`, type, payload: { ownerUserId: recipient, jobName: `j${i}`, error: "OOM" } }, recipient };
}

const indexOf = (id: string) => Number(id.slice("pg-".length));

/**
 * PostgreSQL stopped (pg_ctl stop -m fast) for 30 s in the middle of a steady
 * stream of events, with webhook deliveries retrying against a receiver that
 * answers 500 until the database is back.
 */
describe("chaos: PostgreSQL stopped for 30 s mid-burst", () => {
  let chaos: ChaosStack;
  let clients: Map<string, RecordingClient>;
  let receiver: ScriptedReceiver;
  let publisher: Publisher;
  const phase = { stoppedAt: 0, restartedAt: 0, receiverUp: false };
  let store: StoreCensus;
  let push: PushCensus;
  let hooks: WebhookCensus;
  let dead: number;
  let duringOutage: PublishOutcome[];

  beforeAll(async () => {
    receiver = await ScriptedReceiver.start(() => (phase.receiverUp ? 200 : 500));
    chaos = await ChaosStack.create({
      env: { ROUTER_BATCH_SIZE: String(BATCH), WEBHOOK_ALLOWED_HOSTS: "127.0.0.1", DELIVERY_LOCK_MS: "5000" },
    });
    const { stack } = chaos;
    await Promise.all([stack.start("ingest"), stack.start("router"), stack.start("realtime-gateway"), stack.start("delivery-worker")]);
    const gateway = stack.service("realtime-gateway").url;
    for (const user of WEBHOOK_USERS) await subscribeWebhook(gateway, user, receiver.url(user));
    clients = await connectUsers([gateway], [...IN_APP_USERS, ...WEBHOOK_USERS]);

    publisher = new Publisher(stack.service("ingest").url, producerToken());
    let stopAt = Number.POSITIVE_INFINITY;
    const publishing = publisher.steady({ ratePerSecond: RATE, event: (i) => eventAt(i).event, until: () => Date.now() >= stopAt });
    await sleep(3_000);
    await chaos.postgres.stop("fast");
    phase.stoppedAt = Date.now();
    await sleep(OUTAGE_MS);
    await chaos.postgres.start();
    phase.restartedAt = Date.now();
    phase.receiverUp = true;
    stopAt = Date.now() + 3_000;
    await publishing;
    duringOutage = publisher.outcomes.filter((o) => o.sentAt >= phase.stoppedAt && o.sentAt < phase.restartedAt);

    await eventually(
      async () =>
        (await undelivered(chaos.probe, stack.names)) === 0 && (await pendingTotal(chaos.probe, stack.names)) === 0 ? true : undefined,
      60_000,
      "stream drained",
    );
    const drainedAt = Date.now();
    store = await storeCensus(stack.db, publisher.accepted.keys(), (id) => [eventAt(indexOf(id)).recipient]);
    await sleep(1_500);
    push = await pushCensus(stack.db, receivedBy(clients));
    dead = await deadLetters(chaos.probe, stack.names);
    // Deliveries settle: retried ones have at most 1 + 2 + 4 + 8 s of backoff left.
    const settle = async () =>
      (await stack.db.query<{ n: number }>("SELECT count(*)::int AS n FROM deliveries WHERE status = 'queued'"))[0]!.n === 0;
    await eventually(async () => ((await settle()) ? true : undefined), 30_000, "deliveries settled").catch(() => undefined);
    hooks = await webhookCensus(stack.db, receiver.requests, receiver.answers);
    const attempts = await stack.db.query<{ outcome: string; n: number }>(
      "SELECT outcome, count(*)::int AS n FROM delivery_attempts GROUP BY outcome ORDER BY outcome",
    );

    reportFigures({
      scenario: `PostgreSQL stopped ${OUTAGE_MS / 1000} s mid-burst`,
      headline: {
        accepted: String(store.accepted),
        stored: `${share(store.storedNotifications, store.expectedNotifications)} notifications`,
        pushed: share(push.pushed, push.expected),
        delivered: `${share(hooks.delivered, hooks.deliveries)} webhooks (${hooks.queued} left queued, ${hooks.deadLettered} dead-lettered)`,
        lost: `${store.lostEvents.length} events, ${store.lostNotifications} notifications, ${push.gaps} pushes`,
        duplicated: `${store.duplicateRows} rows, ${push.duplicates} pushes, ${hooks.repeats} webhook repeats`,
      },
      details: [
        ["publishing", `${RATE}/s; answers ${JSON.stringify(publisher.countByStatus())}`],
        [
          "answers while Postgres was down",
          `${duringOutage.length} requests, ${duringOutage.filter((o) => o.status === 202).length} answered 202`,
        ],
        ["restart → stream drained", `${drainedAt - phase.restartedAt} ms`],
        ["dead letters", dead],
        ["rows left undispatched", store.undispatched],
        ["webhook requests / unstable webhook-ids", `${hooks.requests} / ${hooks.unstableIds}`],
        ["delivery attempts on record", JSON.stringify(Object.fromEntries(attempts.map((a) => [a.outcome, a.n])))],
      ],
    });
  });

  afterAll(async () => {
    closeAll(clients?.values() ?? []);
    await chaos?.stop();
    await receiver?.stop();
  });

  it("ingest keeps accepting while Postgres is down", () => {
    expect(duringOutage.length).toBeGreaterThan(RATE);
    expect(duringOutage.filter((o) => o.status !== 202)).toEqual([]);
  });

  it("the router waits it out: no good event dead-lettered, nothing lost or doubled, every notification pushed", () => {
    expect(dead).toBe(0);
    expect(store.lostEvents).toEqual([]);
    expect(store.lostNotifications).toBe(0);
    expect(store.duplicateRows).toBe(0);
    expect(store.undispatched).toBe(0);
    expect(push.gaps).toBe(0);
    // A repeat push only for a batch pushed just before its dispatch could be recorded.
    expect(push.duplicates).toBeLessThanOrEqual(BATCH);
  });

  it("webhook deliveries retrying through the outage end delivered or dead-lettered, none left queued, one webhook-id each", () => {
    const acceptedFailures = [...publisher.accepted.keys()].filter((id) => eventAt(indexOf(id)).event.type === "job.failed");
    expect(hooks.deliveries).toBe(acceptedFailures.length);
    expect(hooks.queued).toBe(0);
    expect(hooks.delivered + hooks.deadLettered).toBe(hooks.deliveries);
    expect(hooks.unstableIds).toBe(0);
    expect(hooks.deliveredUnseen).toBe(0);
  });
});

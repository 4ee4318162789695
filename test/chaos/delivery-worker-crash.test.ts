import { eventually, sleep } from "../support/clients";
import { producerToken } from "../support/tokens";
import { ChaosStack } from "./support/chaos-stack";
import { webhookCensus, type WebhookCensus } from "./support/census";
import { reportFigures, share } from "./support/figures";
import { Publisher, type ChaosEvent } from "./support/publisher";
import { ScriptedReceiver, subscribeWebhook, type Answer } from "./support/webhooks";

const USERS_PER_PHASE = 10;
const EVENTS_PER_USER = 30;
const MAX_ATTEMPTS = 10;
const BACKOFF_MS = 250;
const LOCK_MS = 2_000;
const STALLED_INTERVAL_MS = 500;
const TIMEOUT_MS = 2_000;

/** While failing: every third request gets no answer (the worker is mid-request when it dies), the others 500. */
function failing(index: number): Answer {
  return index % 3 === 0 ? "hang" : 500;
}

interface Phase {
  readonly name: string;
  readonly users: string[];
  readonly receiver: ScriptedReceiver;
}

/**
 * The delivery-worker killed with SIGKILL in the middle of a burst of
 * webhooks to a receiver that fails for a while: BullMQ hands the jobs it
 * held to the restarted worker once their locks lapse. Every webhook must be
 * delivered, every request of one delivery must carry one webhook-id, and
 * the receiver's repeats (2xx answered twice for one id) are counted.
 */
describe("chaos: delivery-worker killed with SIGKILL mid-webhook-burst", () => {
  let chaos: ChaosStack;
  const receivers: ScriptedReceiver[] = [];

  beforeAll(async () => {
    chaos = await ChaosStack.create({
      env: {
        WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
        WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
        WEBHOOK_BACKOFF_MS: String(BACKOFF_MS),
        WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
        WEBHOOK_PER_HOST_CONCURRENCY: "16",
        DELIVERY_LOCK_MS: String(LOCK_MS),
        DELIVERY_STALLED_INTERVAL_MS: String(STALLED_INTERVAL_MS),
      },
    });
    await Promise.all((["ingest", "router", "realtime-gateway", "delivery-worker"] as const).map((name) => chaos.stack.start(name)));
  });
  afterAll(async () => {
    await chaos?.stop();
    await Promise.all(receivers.map((r) => r.stop()));
  });

  async function startPhase(name: string, failForMs: number): Promise<Phase> {
    const schedule = { failUntil: 0 };
    const receiver = await ScriptedReceiver.start((index) => (Date.now() < schedule.failUntil ? failing(index) : 200));
    receivers.push(receiver);
    const phase: Phase = { name, users: Array.from({ length: USERS_PER_PHASE }, (_, i) => `${name}-hook-${i}`), receiver };
    const gateway = chaos.stack.service("realtime-gateway").url;
    for (const user of phase.users) await subscribeWebhook(gateway, user, receiver.url(user));
    schedule.failUntil = Date.now() + failForMs;
    const events: ChaosEvent[] = phase.users.flatMap((user) =>
      Array.from({ length: EVENTS_PER_USER }, (_, i) => ({
        id: `${name}-${user}-${i}`,
        type: "job.failed",
        payload: { ownerUserId: user, jobName: `j${i}`, error: "OOM" },
      })),
    );
    const publisher = new Publisher(chaos.stack.service("ingest").url, producerToken());
    await publisher.burstBatches(events, 100, 2);
    if (publisher.accepted.size !== events.length) throw new Error(`only ${publisher.accepted.size} of ${events.length} accepted`);
    return phase;
  }

  async function settle(phase: Phase): Promise<WebhookCensus> {
    const done = async () => {
      const c = await webhookCensus(chaos.stack.db, phase.receiver.requests, phase.receiver.answers, phase.users);
      return c.deliveries === USERS_PER_PHASE * EVENTS_PER_USER && c.queued === 0 ? c : undefined;
    };
    // The failing receiver's retries are due within about 20 s; a delivery still queued after 40 s is stuck.
    await eventually(done, 40_000, `${phase.name} deliveries settled`).catch(() => undefined);
    await sleep(1_000); // a repeat, if any, lands now
    return webhookCensus(chaos.stack.db, phase.receiver.requests, phase.receiver.answers, phase.users);
  }

  function report(scenario: string, census: WebhookCensus, details: [string, string | number][]) {
    reportFigures({
      scenario,
      headline: {
        accepted: String(USERS_PER_PHASE * EVENTS_PER_USER),
        stored: `${census.deliveries} deliveries`,
        pushed: "n/a",
        delivered: `${share(census.delivered, census.deliveries)} (${census.queued} left queued, ${census.deadLettered} dead-lettered)`,
        lost: String(census.deliveries - census.delivered),
        duplicated: `${census.repeats} webhook repeats (2xx twice for one webhook-id)`,
      },
      details: [
        ["webhook requests for them", `${census.requests} (${(census.requests / Math.max(census.deliveries, 1)).toFixed(2)} per delivery)`],
        ["deliveries whose requests changed webhook-id", census.unstableIds],
        ["delivered but never answered 2xx", census.deliveredUnseen],
        ...details,
      ],
    });
  }

  it("killed once, mid-burst, as failures turn to successes: every webhook delivered, one webhook-id each", async () => {
    const worker = chaos.stack.service("delivery-worker");
    const phase = await startPhase("once", 3_000);
    // Kill in the thick of it: retries are succeeding now, so some answered requests are not yet recorded.
    await eventually(
      () => (phase.receiver.answers.filter((a) => a === 200).length >= 40 ? true : undefined),
      60_000,
      "successes under way",
    );
    await worker.kill();
    const killedAt = Date.now();
    await sleep(500);
    await worker.spawn();
    const census = await settle(phase);
    report("delivery-worker SIGKILL once mid-webhook-burst (receiver 500 for 3 s)", census, [
      ["kill → all settled (+1 s)", `${Date.now() - killedAt} ms`],
    ]);

    expect(census.deliveries).toBe(USERS_PER_PHASE * EVENTS_PER_USER);
    expect(census.delivered).toBe(census.deliveries);
    expect(census.unstableIds).toBe(0);
    expect(census.deliveredUnseen).toBe(0);
  });

  it("killed twice while the same webhooks are in flight: every webhook still delivered", async () => {
    const worker = chaos.stack.service("delivery-worker");
    const phase = await startPhase("twice", 10_000);
    await eventually(() => (phase.receiver.requests.length >= 60 ? true : undefined), 60_000, "requests in flight");
    await worker.kill();
    const firstKillAt = Date.now();
    await worker.spawn();
    // The restarted worker takes the stalled jobs once their locks lapse; kill it while it holds them.
    const requestsBefore = phase.receiver.requests.length;
    await eventually(
      () =>
        phase.receiver.requests.length >= requestsBefore + 30 && Date.now() - firstKillAt > LOCK_MS + STALLED_INTERVAL_MS
          ? true
          : undefined,
      30_000,
      "stalled jobs retaken",
    );
    await worker.kill();
    const secondKillAt = Date.now();
    await sleep(500);
    await worker.spawn();
    const census = await settle(phase);
    report("delivery-worker SIGKILL twice mid-webhook-burst (receiver failing for 10 s)", census, [
      ["kills", `${secondKillAt - firstKillAt} ms apart`],
      ["2nd kill → settled or given up (40 s) (+1 s)", `${Date.now() - secondKillAt} ms`],
    ]);

    expect(census.deliveries).toBe(USERS_PER_PHASE * EVENTS_PER_USER);
    expect(census.queued).toBe(0);
    expect(census.delivered).toBe(census.deliveries);
    expect(census.unstableIds).toBe(0);
    expect(census.deliveredUnseen).toBe(0);
  });
});

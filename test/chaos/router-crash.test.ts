import { eventually, sleep, type RecordingClient } from "../support/clients";
import { producerToken } from "../support/tokens";
import { ChaosStack } from "./support/chaos-stack";
import { pushCensus, storeCensus, type PushCensus, type StoreCensus } from "./support/census";
import { reportFigures, share } from "./support/figures";
import { Publisher, type ChaosEvent } from "./support/publisher";
import { closeAll, connectUsers, receivedBy } from "./support/sockets";
import { deadLetters, pendingByConsumer, pendingTotal } from "./support/stream-state";

const EVENTS = Number(process.env.CHAOS_ROUTER_EVENTS ?? 3000);
const BATCH = 200;
const CLAIM_IDLE_MS = 2000;

/** One phase of the file: its own users and event ids, so phases sharing the stack are counted apart. */
class Burst {
  readonly users: string[];
  readonly events: ChaosEvent[];
  readonly publisher: Publisher;

  constructor(
    readonly name: string,
    ingestUrl: string,
  ) {
    this.users = Array.from({ length: 20 }, (_, i) => `${name}-user-${i}`);
    // review.submitted notifies the content owner and the reviewer: two users per event, known in advance.
    this.events = Array.from({ length: EVENTS }, (_, i) => ({
      id: `${name}-${i}`,
      type: "review.submitted",
      actorUserId: `author-${i % 5}`,
      payload: { contentOwnerUserId: this.owner(i), reviewerUserIds: [this.reviewer(i)] },
    }));
    this.publisher = new Publisher(ingestUrl, producerToken());
  }

  owner = (i: number) => this.users[i % this.users.length]!;
  reviewer = (i: number) => this.users[(i + 7) % this.users.length]!;
  recipients = (id: string) => {
    const i = Number(id.slice(this.name.length + 1));
    return [this.owner(i), this.reviewer(i)];
  };

  /** Batches of 50, four at a time: ingest accepts faster than a router routes, so a backlog builds. */
  publish(): Promise<void> {
    return this.publisher.burstBatches(this.events, 50, 4);
  }
}

/**
 * The router killed with SIGKILL mid-burst, restarted and killed again as
 * soon as it is storing the entries it left pending (a restarted router keeps
 * its consumer name and resumes them at once); then two routers, one killed
 * (the survivor reclaims the dead one's entries). Each time: one notification row per recipient, every one pushed to
 * its user's socket, nothing dead-lettered.
 */
describe("chaos: router killed with SIGKILL mid-burst", () => {
  let chaos: ChaosStack;
  const sockets: RecordingClient[] = [];

  beforeAll(async () => {
    chaos = await ChaosStack.create({ env: { ROUTER_CLAIM_IDLE_MS: String(CLAIM_IDLE_MS), ROUTER_BATCH_SIZE: String(BATCH) } });
    await Promise.all([chaos.stack.start("ingest"), chaos.stack.start("router"), chaos.stack.start("realtime-gateway")]);
  });
  afterAll(async () => {
    closeAll(sockets);
    await chaos?.stop();
  });

  async function prepare(name: string): Promise<{ burst: Burst; clients: Map<string, RecordingClient> }> {
    const burst = new Burst(name, chaos.stack.service("ingest").url);
    const clients = await connectUsers([chaos.stack.service("realtime-gateway").url], burst.users);
    sockets.push(...clients.values());
    return { burst, clients };
  }

  const rowsOf = async (burst: Burst) =>
    (
      await chaos.stack.db.query<{ n: number }>("SELECT count(*)::int AS n FROM notifications WHERE event_id LIKE $1", [`${burst.name}-%`])
    )[0]!.n;

  /** Every accepted event routed: every row stored, nothing pending in the group. */
  async function drained(burst: Burst): Promise<void> {
    const expected = burst.publisher.accepted.size * 2;
    await eventually(
      async () => ((await rowsOf(burst)) >= expected && (await pendingTotal(chaos.probe, chaos.stack.names)) === 0 ? true : undefined),
      60_000,
      "backlog drained",
    );
  }

  /** Waits out the sockets' tail (the last pushes may still be on their way), then a moment for any repeat. */
  async function pushes(clients: Map<string, RecordingClient>): Promise<PushCensus> {
    const deadline = Date.now() + 10_000;
    while ((await pushCensus(chaos.stack.db, receivedBy(clients))).gaps > 0 && Date.now() < deadline) await sleep(250);
    await sleep(1_000);
    return pushCensus(chaos.stack.db, receivedBy(clients));
  }

  const headline = (store: StoreCensus, push: PushCensus) => ({
    accepted: String(store.accepted),
    stored: `${share(store.storedNotifications, store.expectedNotifications)} notifications`,
    pushed: share(push.pushed, push.expected),
    delivered: "n/a",
    lost: `${store.lostEvents.length} events, ${store.lostNotifications} notifications, ${push.gaps} pushes`,
    duplicated: `${store.duplicateRows} rows, ${push.duplicates} pushes`,
  });
  const pendingText = (pending: Map<string, number>) => JSON.stringify(Object.fromEntries(pending));
  const sum = (...maps: Map<string, number>[]) => maps.flatMap((m) => [...m.values()]).reduce((a, b) => a + b, 0);

  it("killed mid-burst, restarted, killed again while resuming its pending entries: one notification per recipient, every one pushed", async () => {
    const { stack } = chaos;
    const router = stack.service("router");
    const { burst, clients } = await prepare("rc");
    const publishing = burst.publish();

    // First kill: the router is under way, a batch in its hands.
    // Killed with a batch in hand (pending entries), not between two batches: otherwise there is nothing to recover.
    await eventually(
      async () => ((await rowsOf(burst)) >= EVENTS * 0.3 && sum(await pendingByConsumer(chaos.probe, stack.names)) > 0 ? true : undefined),
      60_000,
      "router under way with a batch in hand",
    );
    await router.kill();
    const first = { rows: await rowsOf(burst), pending: await pendingByConsumer(chaos.probe, stack.names) };

    // Restarted under the same (stable) consumer name, it resumes the entries it left pending at once; killed
    // again as soon as it is storing them, before it has caught up.
    await router.spawn();
    await eventually(async () => ((await rowsOf(burst)) > first.rows ? true : undefined), 30_000, "restarted router resuming");
    await router.kill();
    const second = { rows: await rowsOf(burst), pending: await pendingByConsumer(chaos.probe, stack.names) };

    const restartedAt = Date.now();
    await router.spawn();
    await publishing;
    await drained(burst);
    const drainMs = Date.now() - restartedAt;
    const store = await storeCensus(stack.db, burst.publisher.accepted.keys(), burst.recipients, `${burst.name}-`);
    const push = await pushes(clients);
    const dead = await deadLetters(chaos.probe, stack.names);

    reportFigures({
      scenario: "router SIGKILL mid-burst, restart, SIGKILL while resuming",
      headline: headline(store, push),
      details: [
        [
          "events published / answered 202",
          `${EVENTS} / ${burst.publisher.accepted.size} (${JSON.stringify(burst.publisher.countByStatus())})`,
        ],
        ["rows stored at the 1st kill", `${first.rows}; pending entries per consumer ${pendingText(first.pending)}`],
        ["rows stored at the 2nd kill", `${second.rows}; pending entries per consumer ${pendingText(second.pending)}`],
        ["last restart → backlog drained", `${drainMs} ms`],
        ["dead letters", dead],
        ["pushes out of id order (rows stored, pushed by the successor)", push.outOfOrder],
      ],
    });

    expect(burst.publisher.accepted.size).toBe(EVENTS);
    // The kills landed mid-burst: each left entries for a successor.
    expect(first.rows).toBeLessThan(EVENTS * 2);
    expect(sum(first.pending)).toBeGreaterThan(0);
    expect(store.lostEvents).toEqual([]);
    expect(store.lostNotifications).toBe(0);
    expect(store.duplicateRows).toBe(0);
    expect(store.storedNotifications).toBe(EVENTS * 2);
    expect(store.undispatched).toBe(0);
    expect(dead).toBe(0);
    expect(await pendingTotal(chaos.probe, stack.names)).toBe(0);
    // Every stored notification reached its user's socket; a repeat only for entries a killed router had in hand.
    expect(push.gaps).toBe(0);
    expect(push.duplicates).toBeLessThanOrEqual(sum(first.pending, second.pending) * 2);
  });

  it("two routers, one killed mid-burst: the survivor takes over its entries, one notification per recipient, every one pushed", async () => {
    const { stack } = chaos;
    await stack.start("router", { key: "router-b" });
    const { burst, clients } = await prepare("tr");
    const publishing = burst.publish();

    await eventually(async () => ((await rowsOf(burst)) >= EVENTS * 0.3 ? true : undefined), 60_000, "routers under way");
    await stack.service("router").kill();
    const killedAt = Date.now();
    const atKill = { rows: await rowsOf(burst), pending: await pendingByConsumer(chaos.probe, stack.names) };
    await publishing;
    await drained(burst);
    const drainMs = Date.now() - killedAt;
    const store = await storeCensus(stack.db, burst.publisher.accepted.keys(), burst.recipients, `${burst.name}-`);
    const push = await pushes(clients);
    const dead = await deadLetters(chaos.probe, stack.names);

    reportFigures({
      scenario: "two routers, one SIGKILLed mid-burst",
      headline: headline(store, push),
      details: [
        [
          "events published / answered 202",
          `${EVENTS} / ${burst.publisher.accepted.size} (${JSON.stringify(burst.publisher.countByStatus())})`,
        ],
        ["rows stored at the kill", `${atKill.rows}; pending entries per consumer ${pendingText(atKill.pending)}`],
        ["kill → backlog drained by the survivor", `${drainMs} ms`],
        ["dead letters", dead],
        ["pushes out of id order (two routers interleave)", push.outOfOrder],
      ],
    });

    expect(burst.publisher.accepted.size).toBe(EVENTS);
    expect(atKill.rows).toBeLessThan(EVENTS * 2);
    expect(store.lostEvents).toEqual([]);
    expect(store.lostNotifications).toBe(0);
    expect(store.duplicateRows).toBe(0);
    expect(store.undispatched).toBe(0);
    expect(dead).toBe(0);
    expect(push.gaps).toBe(0);
    expect(push.duplicates).toBeLessThanOrEqual(sum(atKill.pending) * 2);
  });
});

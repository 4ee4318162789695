import { eventually, sleep } from "../support/clients";
import { producerToken, userToken } from "../support/tokens";
import { ChaosStack } from "./support/chaos-stack";
import { pushCensus, type PushCensus } from "./support/census";
import { reportFigures, share } from "./support/figures";
import { FailoverSocket } from "./support/failover-socket";
import { Publisher, type ChaosEvent } from "./support/publisher";
import { pendingTotal, undelivered } from "./support/stream-state";

/** Users who had a notification before their gateway died, so they reconnect with a lastNotificationId. */
const WITH_CURSOR = Array.from({ length: 40 }, (_, i) => `gw-seen-${i}`);
/** Users who had none yet when their gateway died: their cursor is the one `caught_up` gave them. */
const WITHOUT_CURSOR = Array.from({ length: 20 }, (_, i) => `gw-fresh-${i}`);
const RATE = 200;
const BURST_MS = 6_000;
const KILL_AFTER_MS = 2_000;

const job = (id: string, owner: string): ChaosEvent => ({ id, type: "job.completed", payload: { ownerUserId: owner, jobName: id } });

/**
 * Two gateways, every user with one socket, half of them on the gateway that
 * is killed with SIGKILL mid-burst. Each socket then connects to the other
 * gateway with its last notification id and must end with every notification
 * of its user exactly once: nothing missed in the gap, nothing replayed twice.
 */
describe("chaos: a gateway killed with SIGKILL while clients are connected", () => {
  let chaos: ChaosStack;
  const sockets = new Map<string, FailoverSocket>();
  let seen: PushCensus;
  let fresh: PushCensus;

  beforeAll(async () => {
    chaos = await ChaosStack.create();
    const { stack } = chaos;
    await Promise.all([
      stack.start("ingest"),
      stack.start("router"),
      stack.start("realtime-gateway", { key: "gw1" }),
      stack.start("realtime-gateway", { key: "gw2" }),
    ]);
    const urls = [stack.service("gw1").url, stack.service("gw2").url];
    [...WITH_CURSOR, ...WITHOUT_CURSOR].forEach((user, i) => sockets.set(user, new FailoverSocket(urls, userToken(user), i % 2)));
    await Promise.all([...sockets.values()].map((s) => s.ready()));

    const publisher = new Publisher(stack.service("ingest").url, producerToken());
    // One notification each for the users who are to have a cursor.
    await publisher.burst(
      WITH_CURSOR.map((user) => job(`warm-${user}`, user)),
      8,
    );
    await eventually(
      () => (WITH_CURSOR.every((user) => sockets.get(user)!.notifications.length === 1) ? true : undefined),
      20_000,
      "warm-up notifications",
    );

    const started = Date.now();
    let killedAt = Number.POSITIVE_INFINITY;
    const burst = publisher.steady({
      ratePerSecond: RATE,
      // Fresh users only get notifications from the kill on: the first ones are created while they reconnect.
      event: (i) => {
        const fresh = Date.now() >= killedAt && i % 4 === 0;
        return job(`b-${i}`, fresh ? WITHOUT_CURSOR[i % WITHOUT_CURSOR.length]! : WITH_CURSOR[i % WITH_CURSOR.length]!);
      },
      until: () => Date.now() - started >= BURST_MS,
    });
    await sleep(KILL_AFTER_MS);
    killedAt = Date.now();
    await stack.service("gw1").kill();
    await burst;

    await eventually(
      async () =>
        (await undelivered(chaos.probe, stack.names)) === 0 && (await pendingTotal(chaos.probe, stack.names)) === 0 ? true : undefined,
      30_000,
      "stream drained",
    );
    // Every socket has had time to move and catch up; the live tail lands.
    await eventually(() => ([...sockets.values()].every((s) => s.sessions >= 1 && s.url === urls[1]) ? true : undefined), 20_000, "moved");
    await sleep(2_000);
    const census = (users: readonly string[]) =>
      pushCensus(stack.db, new Map(users.map((user) => [user, sockets.get(user)!.notifications])));
    const settle = async (users: readonly string[]) => {
      const deadline = Date.now() + 10_000;
      let c = await census(users);
      while (c.gaps > 0 && Date.now() < deadline) {
        await sleep(250);
        c = await census(users);
      }
      return c;
    };
    [seen, fresh] = [await settle(WITH_CURSOR), await settle(WITHOUT_CURSOR)];
    const moved = [...sockets.values()].filter((s) => s.connections.length > 1);
    const replayed = moved.reduce((sum, s) => sum + s.caughtUp.slice(1).reduce((n, c) => n + c.replayed, 0), 0);

    reportFigures({
      scenario: "gateway SIGKILLed with clients connected",
      headline: {
        accepted: String(publisher.accepted.size),
        stored: `${seen.expected + fresh.expected} in-app notifications`,
        pushed: `${share(seen.pushed + fresh.pushed, seen.expected + fresh.expected)} (with a cursor ${share(seen.pushed, seen.expected)}; without ${share(fresh.pushed, fresh.expected)})`,
        delivered: "n/a",
        lost: `${seen.gaps} with a cursor, ${fresh.gaps} without`,
        duplicated: `${seen.duplicates + fresh.duplicates} pushes`,
      },
      details: [
        ["sockets / moved to the other gateway", `${sockets.size} / ${moved.length}`],
        [
          "kill → every moved socket caught up",
          `${Math.max(...moved.map((s) => s.connections.at(-1)!.events.find((e) => e.event === "caught_up")?.at ?? Number.NaN)) - killedAt} ms`,
        ],
        ["replayed in catch-up after the move", replayed],
        ["out of order", seen.outOfOrder + fresh.outOfOrder],
        ["refused reconnect attempts", moved.reduce((sum, s) => sum + s.refusals, 0)],
      ],
    });
  });

  afterAll(async () => {
    for (const socket of sockets.values()) socket.close();
    await chaos?.stop();
  });

  it("clients that had a notification id reconnect with it and miss nothing, see nothing twice", () => {
    expect(seen.gaps).toBe(0);
    expect(seen.duplicates).toBe(0);
    expect(seen.outOfOrder).toBe(0);
  });

  it("clients that had no notification yet when their gateway died miss nothing either (their cursor came from caught_up)", () => {
    expect(fresh.expected).toBeGreaterThan(0);
    expect(fresh.gaps).toBe(0);
    expect(fresh.duplicates).toBe(0);
  });
});

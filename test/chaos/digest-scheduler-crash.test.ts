import { Queue } from "bullmq";
import { Client } from "pg";
import { QUEUES } from "@herald/runtime";
import { api, eventually, sleep, type RecordingClient } from "../support/clients";
import type { ServiceProcess } from "../support/service-process";
import { producerToken, userToken } from "../support/tokens";
import { ChaosStack } from "./support/chaos-stack";
import { pushCensus, type PushCensus } from "./support/census";
import { reportFigures, share } from "./support/figures";
import { Publisher } from "./support/publisher";
import { closeAll, connectUsers, receivedBy } from "./support/sockets";

const USERS = Array.from({ length: 30 }, (_, i) => `digest-user-${i}`);
const DIGEST_MS = 3_000;
const TICK_MS = 250;
const RATE = 20;
const RUN_MS = 10_000;
/** Each replica's digest worker runs this many jobs at once (scheduler-worker.ts's default). */
const SCHEDULER_CONCURRENCY = 4;

interface DigestRow extends Record<string, unknown> {
  user_id: string;
  id: string;
  from: string;
  to: string;
  total: number;
}

/**
 * Two digest-scheduler replicas, one killed with SIGKILL while it is sending
 * a period's digests (the jobs it held stall and are run again once BullMQ
 * notices), then restarted. Every user must get one digest per period, periods must
 * not overlap, and every digest-bound notification must be in exactly one.
 */
describe("chaos: two digest-scheduler replicas, one killed with SIGKILL during a tick", () => {
  let chaos: ChaosStack;
  let clients: Map<string, RecordingClient>;

  beforeAll(async () => {
    chaos = await ChaosStack.create({ env: { SCHEDULER_TICK_MS: String(TICK_MS), DIGEST_HOURLY_MS: String(DIGEST_MS) } });
    const { stack } = chaos;
    await Promise.all([
      stack.start("ingest"),
      stack.start("router"),
      stack.start("realtime-gateway"),
      stack.start("digest-scheduler", { key: "scheduler-a" }),
      stack.start("digest-scheduler", { key: "scheduler-b" }),
    ]);
    const gateway = stack.service("realtime-gateway").url;
    for (const user of USERS) {
      const res = await api(gateway, userToken(user), "PUT", "/api/v1/notifications/settings", {
        digestEnabled: true,
        digestInterval: "hourly",
      });
      if (res.status !== 200) throw new Error(`settings: ${res.status}`);
    }
    clients = await connectUsers([gateway], USERS);
  });
  afterAll(async () => {
    closeAll(clients?.values() ?? []);
    await chaos?.stop();
  });

  /**
   * Kills `replica` while it holds digest jobs. Timing the kill off its logs
   * missed: a user's digest takes milliseconds, so by the time a log line was
   * read the replica was often between jobs (CI saw "0 jobs held" three tries
   * in a row). Instead a test transaction holds every user's settings row (NO
   * KEY UPDATE: the scheduler's FOR UPDATE waits on it, the router's
   * foreign-key checks do not), so both replicas fill all their slots with
   * digest jobs blocked mid-transaction; then `replica` is killed and the rows
   * are let go. Returns the jobs still active a moment later that started
   * before the kill (the survivor finishes its own in milliseconds): the
   * killed replica's, to be run again once BullMQ finds them stalled.
   */
  async function killHoldingJobs(replica: ServiceProcess, queue: Queue): Promise<{ stalled: string[]; killedAt: number }> {
    const blocker = new Client({ connectionString: chaos.stack.db.url });
    await blocker.connect();
    let killedAt = 0;
    try {
      await blocker.query("BEGIN");
      await blocker.query("SELECT 1 FROM user_notification_settings FOR NO KEY UPDATE");
      await eventually(
        async () => ((await queue.getActive()).length >= 2 * SCHEDULER_CONCURRENCY ? true : undefined),
        20_000,
        "both replicas holding digest jobs",
      );
      await replica.kill();
      killedAt = Date.now();
    } finally {
      await blocker.query("ROLLBACK").catch(() => undefined);
      await blocker.end();
    }
    await sleep(500);
    const active = await queue.getActive();
    return { stalled: active.filter((job) => (job.processedOn ?? 0) < killedAt && job.id !== undefined).map((job) => job.id!), killedAt };
  }

  it("sends one digest per user and period, summarizing every notification once", async () => {
    const { stack } = chaos;
    const publisher = new Publisher(stack.service("ingest").url, producerToken());
    const started = Date.now();
    const publishing = publisher.steady({
      ratePerSecond: RATE,
      event: (i) => ({ id: `dg-${i}`, type: "job.completed", payload: { ownerUserId: USERS[i % USERS.length]!, jobName: `j${i}` } }),
      until: () => Date.now() - started >= RUN_MS,
    });
    const a = stack.service("scheduler-a");
    const connection = chaos.probe.duplicate({ maxRetriesPerRequest: null });
    const queue = new Queue(QUEUES.scheduler, { connection, prefix: stack.names.queuePrefix });
    await sleep(DIGEST_MS);
    const { stalled, killedAt } = await killHoldingJobs(a, queue);
    await a.spawn();
    await publishing;

    // Everything digest-bound is summarized by a later period, and the jobs the killed replica held
    // have been found stalled and run again (BullMQ's default lock: 30 s, then a stalled check every 30 s).
    await eventually(
      async () => {
        const [left] = await stack.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM notifications WHERE status IN ('digest', 'pending')",
        );
        const states = await Promise.all(stalled.map((id) => queue.getJobState(id)));
        return left!.n === 0 && states.every((state) => state !== "active" && state !== "waiting") ? true : undefined;
      },
      90_000,
      "digests settled and stalled jobs re-run",
    );
    const settledMs = Date.now() - killedAt;
    await queue.close();
    connection.disconnect();
    await sleep(1_000);

    const digests = await stack.db.query<DigestRow>(
      `SELECT user_id, id::text, payload->>'from' AS "from", payload->>'to' AS "to", (payload->'counts'->>'total')::int AS total
       FROM notifications WHERE event_type = 'digest' ORDER BY user_id, payload->>'to'`,
    );
    const digested = await stack.db.query<{ user_id: string; n: number }>(
      "SELECT user_id, count(*)::int AS n FROM notifications WHERE status = 'digested' GROUP BY user_id",
    );
    const push: PushCensus = await pushCensus(stack.db, receivedBy(clients));
    let overlapping = 0;
    let tooSoon = 0;
    const perUser = new Map<string, DigestRow[]>();
    for (const d of digests) perUser.set(d.user_id, [...(perUser.get(d.user_id) ?? []), d]);
    for (const rows of perUser.values()) {
      rows.forEach((d, i) => {
        const previous = rows[i - 1];
        if (!previous) return;
        if (Date.parse(d.from) < Date.parse(previous.to)) overlapping += 1;
        // Two digests of one period would be less than an interval apart (a tick's slack allowed).
        if (Date.parse(d.to) - Date.parse(previous.to) < DIGEST_MS - TICK_MS) tooSoon += 1;
      });
    }
    const summarized = digests.reduce((sum, d) => sum + d.total, 0);
    const digestedRows = digested.reduce((sum, d) => sum + d.n, 0);
    const storedEvents = (
      await stack.db.query<{ n: number }>("SELECT count(*)::int AS n FROM notifications WHERE event_id IS NOT NULL")
    )[0]!.n;
    const repeatedPushes = push.duplicates;

    reportFigures({
      scenario: "two digest-scheduler replicas, one SIGKILLed mid-tick",
      headline: {
        accepted: String(publisher.accepted.size),
        stored: `${storedEvents} notifications → ${digests.length} digests for ${perUser.size} users`,
        pushed: share(push.pushed, push.expected),
        delivered: "n/a",
        lost: `${storedEvents - summarized} notifications in no digest, ${push.gaps} digest pushes`,
        duplicated: `${overlapping + tooSoon} digests for an already digested period, ${summarized - digestedRows} items counted twice, ${repeatedPushes} pushes`,
      },
      details: [
        ["digest interval / tick", `${DIGEST_MS} ms / ${TICK_MS} ms`],
        [
          "digests per user",
          `${Math.min(...[...perUser.values()].map((r) => r.length))}–${Math.max(...[...perUser.values()].map((r) => r.length))}`,
        ],
        ["jobs held by the killed replica (stalled)", stalled.length],
        ["kill → stalled jobs re-run and all digested", `${settledMs} ms`],
      ],
    });

    expect(publisher.accepted.size).toBeGreaterThan(0);
    expect(stalled.length).toBeGreaterThan(0);
    expect(perUser.size).toBe(USERS.length);
    expect(overlapping).toBe(0);
    expect(tooSoon).toBe(0);
    // Every notification is in exactly one digest.
    expect(digestedRows).toBe(storedEvents);
    expect(summarized).toBe(storedEvents);
    expect(push.gaps).toBe(0);
    expect(push.duplicates).toBeLessThanOrEqual(8);
  });
});

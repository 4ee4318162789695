import type { MatchableSubscription } from "@herald/contract";
import { SubscriptionDirectory } from "../src/subscription-directory";

/** A subscriptions table whose loads the test answers one by one. */
class Loads {
  readonly pending: { resolve: (subs: MatchableSubscription[]) => void }[] = [];
  calls = 0;
  active = (): Promise<MatchableSubscription[]> => {
    this.calls++;
    return new Promise((resolve) => this.pending.push({ resolve }));
  };
}

const sub = (id: string): MatchableSubscription => ({ id, tenantId: "acme", eventTypes: ["*"], filter: {} });
const matchIds = async (directory: SubscriptionDirectory, now: number) =>
  (await directory.refresh(now)).match({ tenantId: "acme", type: "job.failed" });

describe("SubscriptionDirectory", () => {
  let version: string | null;
  const redis = { get: async () => version };
  beforeEach(() => (version = "1"));

  it("loads once per version, again when the version moves or the TTL passes", async () => {
    const loads = new Loads();
    const directory = new SubscriptionDirectory(loads, redis, "k", 1000);
    const first = matchIds(directory, 0);
    await new Promise(setImmediate);
    loads.pending.shift()!.resolve([sub("a")]);
    expect(await first).toEqual(["a"]);
    expect(await matchIds(directory, 500)).toEqual(["a"]);
    expect(loads.calls).toBe(1);

    version = "2";
    const second = matchIds(directory, 600);
    await new Promise(setImmediate);
    loads.pending.shift()!.resolve([sub("b")]);
    expect(await second).toEqual(["b"]);

    const third = matchIds(directory, 1700);
    await new Promise(setImmediate);
    expect(loads.calls).toBe(3);
    loads.pending.shift()!.resolve([]);
    expect(await third).toEqual([]);
  });

  it("shares one load between batches asking at once, and never lets an older load replace a newer one", async () => {
    const loads = new Loads();
    const directory = new SubscriptionDirectory(loads, redis, "k", 60_000);
    const a = matchIds(directory, 0);
    const b = matchIds(directory, 0);
    await new Promise(setImmediate);
    expect(loads.calls).toBe(1);
    version = "2";
    const c = matchIds(directory, 0);
    await new Promise(setImmediate);
    // The newer one waits for the older to finish before it loads.
    expect(loads.calls).toBe(1);
    loads.pending.shift()!.resolve([sub("old")]);
    expect(await a).toEqual(["old"]);
    expect(await b).toEqual(["old"]);
    await new Promise(setImmediate);
    expect(loads.calls).toBe(2);
    loads.pending.shift()!.resolve([sub("new")]);
    expect(await c).toEqual(["new"]);
    expect(await matchIds(directory, 1)).toEqual(["new"]);
  });
});

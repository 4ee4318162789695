import { SubscriptionIndex } from "@herald/contract";
import type { Subscriptions } from "@herald/db";
import type { RedisClient } from "@herald/runtime";

/**
 * The active webhook subscriptions of every tenant, as a SubscriptionIndex,
 * cached between batches like the RecipientDirectory caches users: ingest
 * bumps a version key in Redis on every create, change or delete, and one
 * GET per batch notices it and reloads the index (one query) before that
 * batch is matched. So a change made before an event is published applies
 * to that event. The TTL is the safety net for a bump that never reached
 * Redis.
 */
export class SubscriptionDirectory {
  private version: string | null = null;
  private loadedAt = 0;
  private index?: SubscriptionIndex;
  private reloading?: { readonly version: string | null; readonly done: Promise<SubscriptionIndex> };

  constructor(
    private readonly subscriptions: Pick<Subscriptions, "active">,
    private readonly redis: Pick<RedisClient, "get">,
    private readonly versionKey: string,
    private readonly ttlMs: number,
  ) {}

  /** The index to match a batch against: reloaded first when the version moved or the TTL passed. */
  async refresh(now = Date.now()): Promise<SubscriptionIndex> {
    const version = await this.redis.get(this.versionKey);
    if (this.index && version === this.version && now - this.loadedAt <= this.ttlMs) return this.index;
    return this.reload(version, now);
  }

  /**
   * One reload per version at a time: batches prepared side by side share it.
   * One for a newer version waits out the one before, so that an older index
   * finishing late can never replace a newer one.
   */
  private reload(version: string | null, now: number): Promise<SubscriptionIndex> {
    if (this.reloading?.version === version) return this.reloading.done;
    const previous = this.reloading?.done.catch(() => undefined);
    const done = (async () => {
      await previous;
      const index = new SubscriptionIndex(await this.subscriptions.active());
      this.index = index;
      this.version = version;
      this.loadedAt = now;
      return index;
    })().finally(() => {
      if (this.reloading?.done === done) this.reloading = undefined;
    });
    this.reloading = { version, done };
    return done;
  }
}

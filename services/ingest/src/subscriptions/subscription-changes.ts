import type { Logger } from "@herald/runtime";

/**
 * Tells routers that subscriptions changed (RecipientVersion on
 * subscriptionVersionKey): they reload their index before their next batch.
 * The row is stored before this runs; should Redis not take the bump, the
 * change still applies when the routers' cache lapses
 * (ROUTER_SUBSCRIPTION_CACHE_TTL_MS), so the request is not failed for it.
 */
export class SubscriptionChanges {
  constructor(
    private readonly version: { bump(): Promise<void> },
    private readonly logger: Logger,
  ) {}

  async changed(): Promise<void> {
    try {
      await this.version.bump();
    } catch (error) {
      this.logger.warn(
        { err: (error as Error).message },
        "subscription change not announced to routers; it applies when their cache lapses",
      );
    }
  }
}

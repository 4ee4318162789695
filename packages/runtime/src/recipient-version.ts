/**
 * Tells routers that something they cache changed: some user's role,
 * projects, preferences or settings (recipientVersionKey: they drop their
 * view of users), or a webhook subscription (subscriptionVersionKey: they
 * reload their subscription index), on their next batch.
 */
export class RecipientVersion {
  constructor(
    private readonly redis: { incr(key: string): Promise<number> },
    private readonly key: string,
  ) {}

  async bump(): Promise<void> {
    await this.redis.incr(this.key);
  }
}

/**
 * Tells routers that some user's role, projects, preferences or settings
 * changed: they drop their cached view of users on their next batch.
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

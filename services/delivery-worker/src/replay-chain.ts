import type { DeliveryEnqueuer } from "@herald/dispatch";
import type { Database } from "@herald/db";
import { SUBSCRIPTION_CHANNEL } from "@herald/contract";

/**
 * A replay's deliveries go out one after another, in their event's
 * `occurredAt` order (`replay_seq`): only the first is queued, the others
 * wait (`status = 'waiting'`), and each one that settles (delivered,
 * dead-lettered, skipped) lets the next one be queued. BullMQ runs jobs
 * concurrently; one queued delivery per replay is what keeps the order at
 * the receiver.
 */
export class ReplayChain {
  constructor(
    private readonly db: Database,
    private readonly enqueuer: Pick<DeliveryEnqueuer, "enqueue">,
  ) {}

  /**
   * Queues the replay's next waiting delivery, unless one of its deliveries
   * is queued already (a repeat of this call, or the sweeper's). The row
   * lock makes two callers at once promote one row between them.
   */
  async next(replayId: string): Promise<void> {
    const rows = await this.db.$queryRaw<{ id: bigint; round: number }[]>`
      UPDATE deliveries SET status = 'queued', updated_at = now()
      WHERE id = (
        SELECT id FROM deliveries
        WHERE replay_id = ${replayId} AND status = 'waiting'
        ORDER BY replay_seq LIMIT 1
        FOR UPDATE
      ) AND status = 'waiting'
        AND NOT EXISTS (SELECT 1 FROM deliveries q WHERE q.replay_id = ${replayId} AND q.status = 'queued')
      RETURNING id, round`;
    await this.enqueue(rows);
  }

  /**
   * The sweeper's part: replays with deliveries waiting and none queued
   * whose last change is older than `ageMs` (a worker died between settling
   * one delivery and queueing the next) get their next one queued. At most
   * `limit` replays per call.
   */
  async resumeStalled(ageMs: number, limit: number): Promise<number> {
    const stalled = await this.db.$queryRaw<{ replay_id: string }[]>`
      SELECT w.replay_id FROM deliveries w
      WHERE w.status = 'waiting' AND w.replay_id IS NOT NULL
      GROUP BY w.replay_id
      HAVING NOT EXISTS (SELECT 1 FROM deliveries q WHERE q.replay_id = w.replay_id AND q.status = 'queued')
         AND (SELECT max(o.updated_at) FROM deliveries o WHERE o.replay_id = w.replay_id AND o.status <> 'waiting')
             < now() - ${ageMs} * interval '1 millisecond'
      LIMIT ${limit}`;
    for (const { replay_id } of stalled) await this.next(replay_id);
    return stalled.length;
  }

  private async enqueue(rows: readonly { id: bigint; round: number }[]): Promise<void> {
    if (rows.length === 0) return;
    await this.enqueuer.enqueue(rows.map((r) => ({ id: String(r.id), channel: SUBSCRIPTION_CHANNEL, round: r.round })));
  }
}

import type { Database } from "@herald/db";
import type { HeraldEvent } from "@herald/contract";
import type { Queryable } from "./notification-writer";

/** What a statement on the fan-out rows needs: the client or an interactive transaction's. */
export type Executes = Queryable & Pick<Database, "$executeRaw">;

/** An unfinished fan-out this router holds for the length of one chunk's transaction. */
export interface FanoutJob {
  readonly eventId: string;
  /** The stream event, as accepted (parseStreamEvent). */
  readonly event: string;
  /** The last recipient key written, in code-unit order; null before the first chunk. */
  readonly cursor: string | null;
}

/**
 * The `event_fanouts` rows: one per large fan-out, its durable cursor. A
 * router writes a chunk while holding its row (FOR UPDATE) and moves the
 * cursor in the same transaction, so a chunk commits exactly once however
 * many routers there are; between chunks a lease (owner, until) keeps the
 * fan-out with the router that pushes the chunk it just committed, so no
 * sibling pushes that chunk's rows as "stored but not yet pushed" meanwhile.
 * A lease runs out after ROUTER_CLAIM_IDLE_MS, like a dead consumer's stream
 * entries; the same consumer name, restarted, takes its own back at once.
 */
export class FanoutStore {
  constructor(
    private readonly db: Executes,
    /** This router's consumer name. */
    private readonly owner: string,
    private readonly leaseMs: number,
  ) {}

  /** Records new fan-outs of events stored in this transaction; one accepted again (a redelivered entry) is left as it is. */
  async accept(tx: Executes, events: readonly HeraldEvent[]): Promise<void> {
    if (events.length === 0) return;
    const rows = events.map((event) => ({ id: event.id, event }));
    await tx.$executeRaw`
      INSERT INTO event_fanouts (event_id, event)
      SELECT r.id, r.event FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(id text, event jsonb)
      ON CONFLICT (event_id) DO NOTHING`;
  }

  /**
   * The oldest unfinished fan-out no other router holds, locked until `tx`
   * ends, and leased to this router. A row another transaction holds is
   * skipped, not waited for.
   */
  async claim(tx: Executes): Promise<FanoutJob | undefined> {
    const [row] = await tx.$queryRaw<{ event_id: string; event: string; cursor: string | null }[]>`
      SELECT event_id, event::text AS event, cursor FROM event_fanouts
      WHERE finished_at IS NULL AND (lease_owner IS NULL OR lease_owner = ${this.owner} OR lease_until < now())
      ORDER BY created_at, event_id
      LIMIT 1
      FOR UPDATE SKIP LOCKED`;
    return row && { eventId: row.event_id, event: row.event, cursor: row.cursor };
  }

  /** Moves the cursor past a chunk just written in `tx`, and renews the lease. */
  async advance(tx: Executes, eventId: string, cursor: string, recipients: number): Promise<void> {
    await tx.$executeRaw`
      UPDATE event_fanouts SET cursor = ${cursor}, chunks = chunks + 1, recipients = recipients + ${recipients},
        lease_owner = ${this.owner}, lease_until = now() + make_interval(secs => ${this.leaseMs / 1000})
      WHERE event_id = ${eventId}`;
  }

  /** Renews the lease without moving the cursor (the last round, which only pushes what a crash left unpushed). */
  async hold(tx: Executes, eventId: string): Promise<void> {
    await tx.$executeRaw`
      UPDATE event_fanouts SET lease_owner = ${this.owner}, lease_until = now() + make_interval(secs => ${this.leaseMs / 1000})
      WHERE event_id = ${eventId}`;
  }

  /** Every recipient written and pushed: the row stays, finished, so a redelivered entry starts nothing again. */
  async finish(eventId: string): Promise<void> {
    await this.db.$executeRaw`
      UPDATE event_fanouts SET finished_at = now(), lease_owner = NULL, lease_until = NULL WHERE event_id = ${eventId}`;
  }

  /** On a graceful stop: siblings may take this router's fan-outs at once (its last chunk is pushed). */
  async release(): Promise<void> {
    await this.db.$executeRaw`
      UPDATE event_fanouts SET lease_until = now() WHERE lease_owner = ${this.owner} AND finished_at IS NULL`;
  }
}

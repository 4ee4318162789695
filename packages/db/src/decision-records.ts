import { splitTenantKey, type Channel, type DecisionOutcome, type DecisionRecord, type Relation } from "@herald/contract";
import type { Database } from "./client";

interface Row {
  event_id: string;
  user_id: string;
  relation: string;
  outcome: string;
  channels: string[];
  reason: string;
}

const toRecord = (row: Row): DecisionRecord => ({
  eventId: row.event_id,
  // The tenant names its users by their own ids, not by key.
  userId: splitTenantKey(row.user_id).id,
  relation: row.relation as Relation,
  outcome: row.outcome as DecisionOutcome,
  channels: row.channels as Channel[],
  reason: row.reason,
});

/**
 * The decision_records table (the router writes it with the event): read
 * per event for a tenant's admins, per user for the user. Both see their
 * own tenant's events only: another tenant's event id finds nothing.
 */
export class DecisionRecords {
  constructor(private readonly db: Database) {}

  /** Every candidate's record of a tenant's event, or undefined when the tenant has no such event. */
  async ofEvent(tenant: string, eventId: string): Promise<DecisionRecord[] | undefined> {
    // One row per record, or one of NULLs for an event without any: "no such event" is no row at all.
    const rows = await this.db.$queryRaw<Row[]>`
      SELECT r.* FROM events e LEFT JOIN decision_records r ON r.event_id = e.id
      WHERE e.id = ${eventId} AND e.tenant_id = ${tenant}
      ORDER BY r.user_id`;
    if (rows.length === 0) return undefined;
    return rows.filter((r) => r.event_id !== null).map(toRecord);
  }

  /** One user's record of an event (by user key), if they were a candidate. */
  async ofUser(eventId: string, userKey: string): Promise<DecisionRecord | undefined> {
    const [row] = await this.db.$queryRaw<Row[]>`
      SELECT * FROM decision_records WHERE event_id = ${eventId} AND user_id = ${userKey}`;
    return row && toRecord(row);
  }
}

/**
 * Retention: deletes up to `batch` decision records of these events, before
 * the events go. Their foreign key cascades too, but an event has a record
 * per candidate (up to every user an event names, and the tenant's admins):
 * in batches of their own, deleting the event removes (almost) none. The
 * outer `event_id = ANY` keeps the delete on the key's index whatever join
 * Postgres picks.
 */
export async function deleteDecisionRecordsBatch(db: Database, eventIds: readonly string[], batch: number): Promise<number> {
  return db.$executeRaw`
    DELETE FROM decision_records WHERE event_id = ANY(${[...eventIds]}::text[]) AND (event_id, user_id) IN (
      SELECT event_id, user_id FROM decision_records WHERE event_id = ANY(${[...eventIds]}::text[])
      LIMIT ${batch}
      FOR UPDATE SKIP LOCKED
    )`;
}

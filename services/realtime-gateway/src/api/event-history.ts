import { Prisma, type Database } from "@herald/db";
import { getEventType, type EventTypeName, type HistoryEvent, type HistoryPage } from "@herald/contract";
import type { UserPrincipal } from "@herald/auth";

export interface EventHistoryQuery {
  readonly type?: EventTypeName;
  readonly from?: Date;
  readonly to?: Date;
  readonly sourceType?: string;
  readonly sourceId?: string;
  /** Events older than this sequence number. */
  readonly beforeSeq?: bigint;
  readonly limit: number;
}

interface Row {
  seq: bigint;
  id: string;
  type: string;
  occurred_at: Date;
  created_at: Date;
  actor_user_id: string | null;
  project_id: string | null;
  source_entity_type: string | null;
  source_entity_id: string | null;
  payload: unknown;
}

/**
 * Event history a user may see, of their own tenant only: admins see every
 * event of it; others see events that notified them, that they performed, or
 * that belong to their projects.
 */
export async function eventHistory(db: Database, user: UserPrincipal, query: EventHistoryQuery): Promise<HistoryPage> {
  const conditions: Prisma.Sql[] = [Prisma.sql`e.tenant_id = ${user.tenant}`];
  if (user.role !== "admin") {
    // Events name their actor as the tenant does (the token's sub), not by user key.
    conditions.push(Prisma.sql`(
      e.actor_user_id = ${user.subject}
      OR e.project_id = ANY(SELECT unnest(projects) FROM users WHERE id = ${user.userId})
      OR EXISTS (SELECT 1 FROM notifications n WHERE n.event_id = e.id AND n.user_id = ${user.userId}))`);
  }
  if (query.type) conditions.push(Prisma.sql`t.name = ${query.type}`);
  if (query.from) conditions.push(Prisma.sql`e.occurred_at >= ${query.from}`);
  if (query.to) conditions.push(Prisma.sql`e.occurred_at < ${query.to}`);
  if (query.sourceType) conditions.push(Prisma.sql`e.source_entity_type = ${query.sourceType}`);
  if (query.sourceId) conditions.push(Prisma.sql`e.source_entity_id = ${query.sourceId}`);
  if (query.beforeSeq !== undefined) conditions.push(Prisma.sql`e.seq < ${query.beforeSeq}`);
  const where = Prisma.sql`WHERE ${Prisma.join(conditions, " AND ")}`;
  const rows = await db.$queryRaw<Row[]>`
    SELECT e.seq, e.id, t.name AS type, e.occurred_at, e.created_at, e.actor_user_id, e.project_id,
           e.source_entity_type, e.source_entity_id, e.payload
    FROM events e JOIN event_types t ON t.id = e.event_type_id
    ${where}
    ORDER BY e.seq DESC
    LIMIT ${query.limit + 1}`;
  const page = rows.slice(0, query.limit);
  const items = page.map((r) => {
    const definition = getEventType(r.type as EventTypeName);
    return {
      id: r.id,
      type: r.type,
      category: definition.category,
      critical: definition.critical,
      occurredAt: r.occurred_at.toISOString(),
      recordedAt: r.created_at.toISOString(),
      actorUserId: r.actor_user_id,
      projectId: r.project_id,
      source: r.source_entity_type && r.source_entity_id ? { type: r.source_entity_type, id: r.source_entity_id } : null,
      payload: r.payload,
    };
  });
  const last = page.at(-1);
  return { items, nextCursor: rows.length > query.limit && last ? String(last.seq) : null };
}

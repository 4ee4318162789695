import { ApiError, notARecipientReason, type DecisionRecord, type HeraldEvent, type NotARecipient } from "@herald/contract";
import { DecisionRecords, type Database } from "@herald/db";
import type { UserPrincipal } from "@herald/auth";
import type { PreferencesRepository } from "./preferences-repository";

interface EventRow {
  type: HeraldEvent["type"];
  actor_user_id: string | null;
  project_id: string | null;
  payload: Record<string, unknown>;
  occurred_at: Date;
  projects: string[] | null;
}

/**
 * `GET /api/v1/notifications/explain?eventId=`: why the user did or did not
 * get an event of their tenant. Their decision record when they were a
 * candidate; otherwise `not_a_recipient`, reasoned from the rules and the
 * preference that applies to them now. Another tenant's event is a 404.
 */
export class Explainer {
  private readonly records: DecisionRecords;

  constructor(
    private readonly db: Database,
    private readonly preferences: PreferencesRepository,
  ) {
    this.records = new DecisionRecords(db);
  }

  async explain(user: UserPrincipal, eventId: string): Promise<DecisionRecord | NotARecipient> {
    const [row] = await this.db.$queryRaw<EventRow[]>`
      SELECT t.name AS type, e.actor_user_id, e.project_id, e.payload, e.occurred_at,
             (SELECT projects FROM users WHERE id = ${user.userId}) AS projects
      FROM events e JOIN event_types t ON t.id = e.event_type_id
      WHERE e.id = ${eventId} AND e.tenant_id = ${user.tenant}`;
    if (!row) throw new ApiError(404, "not_found", `no event ${eventId}`);
    const record = await this.records.ofUser(eventId, user.userId);
    if (record) return record;
    const preference = (await this.preferences.list(user)).find((p) => p.eventType === row.type)!;
    const event: HeraldEvent = {
      id: eventId,
      type: row.type,
      occurredAt: row.occurred_at.toISOString(),
      receivedAt: row.occurred_at.toISOString(),
      payload: row.payload,
      ...(row.actor_user_id !== null && { actorUserId: row.actor_user_id }),
      ...(row.project_id !== null && { projectId: row.project_id }),
    };
    return {
      eventId,
      outcome: "not_a_recipient",
      reason: notARecipientReason(event, { userId: user.subject, projects: row.projects ?? user.projects ?? [] }, preference),
    };
  }
}

import { DEFAULT_SETTINGS, tenantKey, type EventTypeName, type HeraldEvent, type Preference } from "@herald/contract";
import { candidates, DEFAULT_PROFILE, routeToCandidates, type ScopeIndex, type UserProfile } from "../src/route-event";

/** Candidates, then the decision for each: what the router does per event. */
const routeEvent = (event: HeraldEvent, scopes: ScopeIndex, profileOf: (userId: string) => UserProfile, now: Date) =>
  routeToCandidates(event, candidates(event, scopes), profileOf, now).drafts;

const base = { id: "e1", occurredAt: "2026-01-01T00:00:00.000Z", receivedAt: "2026-01-01T00:00:00.000Z" };
const now = new Date("2026-01-01T00:00:00.000Z");

function scopes(
  overrides: Partial<{ admins: string[]; project: Record<string, string[]>; everyone: Record<string, string[]> }> = {},
): ScopeIndex {
  return {
    admins: overrides.admins ?? [],
    projectMembers: (type: EventTypeName, projectId: string) => overrides.project?.[`${type}/${projectId}`] ?? [],
    everyoneSubscribers: (type: EventTypeName) => overrides.everyone?.[type] ?? [],
  };
}

const profiles =
  (map: Record<string, Partial<UserProfile> & { prefs?: Record<string, Preference> }>) =>
  (userId: string): UserProfile => {
    const p = map[userId];
    if (!p) return DEFAULT_PROFILE;
    return { ...DEFAULT_PROFILE, ...p, preferences: new Map(Object.entries(p.prefs ?? {})) };
  };

describe("candidates", () => {
  it("ranks direct over project over everyone, leaves out the actor, and adds admins only for critical events", () => {
    const event = {
      ...base,
      type: "review.approved",
      actorUserId: "actor",
      projectId: "p1",
      payload: { contentOwnerUserId: "owner" },
    } as HeraldEvent;
    const index = scopes({
      admins: ["root"],
      project: { "review.approved/p1": ["owner", "member", "actor"] },
      everyone: { "review.approved": ["member", "watcher", "actor"] },
    });
    expect([...candidates(event, index)]).toEqual([
      ["owner", "direct"],
      ["member", "project"],
      ["watcher", "other"],
    ]);
    const critical = { ...base, type: "system.disk_warning", actorUserId: "root", payload: {} } as HeraldEvent;
    expect([...candidates(critical, index)]).toEqual([["root", "admin"]]);
  });
});

describe("candidates of a tenant's event", () => {
  const acme = (id: string) => tenantKey("acme", id);

  it("are keyed by that tenant: the ids the event names are its own tenant's users, never default's", () => {
    const event = {
      ...base,
      type: "review.approved",
      tenantId: "acme",
      actorUserId: "actor",
      projectId: "p1",
      payload: { contentOwnerUserId: "owner" },
    } as HeraldEvent;
    // The tenant's index (the router passes the event's tenant's) holds keys too; the actor is left out by key.
    const index = scopes({ project: { "review.approved/p1": [acme("member"), acme("actor")] } });
    expect([...candidates(event, index)]).toEqual([
      [acme("owner"), "direct"],
      [acme("member"), "project"],
    ]);
    expect(candidates(event, index).has("owner")).toBe(false);
  });

  it("without a tenant (entries from before tenants) are default's, keyed as they always were", () => {
    const event = { ...base, type: "job.failed", payload: { ownerUserId: "u1" } } as HeraldEvent;
    expect([...candidates(event, scopes())]).toEqual([["u1", "direct"]]);
  });
});

describe("routeEvent", () => {
  it("gives non-critical notifications the in-app default channel", () => {
    const drafts = routeEvent(
      { ...base, type: "job.failed", payload: { ownerUserId: "u1", jobName: "etl", error: "OOM" } } as HeraldEvent,
      scopes(),
      profiles({}),
      now,
    );
    expect(drafts).toEqual([
      {
        eventId: "e1",
        userId: "u1",
        eventType: "job.failed",
        category: "job",
        critical: false,
        title: "Job failed",
        body: "etl failed: OOM",
        channels: ["in_app"],
        status: "pending",
      },
    ]);
  });

  it("sends critical events to admins in-app and by email, even in DND", () => {
    const drafts = routeEvent(
      {
        ...base,
        type: "system.gpu_critical",
        payload: { host: "gpu-7", gpuIndex: 3, metric: "temperature", value: 92, threshold: 90 },
      } as HeraldEvent,
      scopes({ admins: ["root"] }),
      profiles({ root: { isAdmin: true, settings: { ...DEFAULT_SETTINGS, dndEnabled: true } } }),
      now,
    );
    expect(drafts).toEqual([
      expect.objectContaining({
        userId: "root",
        critical: true,
        status: "pending",
        channels: ["in_app", "email"],
        body: "gpu-7 GPU 3 temperature 92 (threshold 90)",
      }),
    ]);
  });

  it("holds for DND, digests digested types, and drops muted types", () => {
    const event = {
      ...base,
      type: "job.completed",
      payload: { ownerUserId: "dnd" },
      recipients: ["dnd", "digester", "muted"],
    } as HeraldEvent;
    const drafts = routeEvent(
      event,
      scopes(),
      profiles({
        dnd: { settings: { ...DEFAULT_SETTINGS, dndEnabled: true } },
        digester: { settings: { ...DEFAULT_SETTINGS, digestEnabled: true } },
        muted: { prefs: { "job.completed": { enabled: true, channels: [], scope: "my_jobs" } } },
      }),
      now,
    );
    expect(drafts.map((d) => [d.userId, d.status])).toEqual([
      ["dnd", "held"],
      ["digester", "digest"],
    ]);
  });

  it("prefers the producer's message and keeps bodies short", () => {
    const [draft] = routeEvent(
      { ...base, type: "collab.mention", payload: { mentionedUserIds: ["u"], message: "m".repeat(900) } } as HeraldEvent,
      scopes(),
      profiles({}),
      now,
    );
    expect(draft!.body).toHaveLength(500);
    expect(draft!.body.endsWith("…")).toBe(true);
  });

  it("keeps markup as text (renderers escape it)", () => {
    const [draft] = routeEvent(
      { ...base, type: "review.comment", payload: { contentOwnerUserId: "u", title: "<img src=x>", comment: "hi" } } as HeraldEvent,
      scopes(),
      profiles({}),
      now,
    );
    expect(draft!.body).toBe("New comment on <img src=x>: hi");
  });
});

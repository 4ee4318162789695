import { DEFAULT_SETTINGS, tenantKey, type EventTypeName, type HeraldEvent, type Preference } from "@herald/contract";
import {
  candidates,
  DEFAULT_PROFILE,
  GROUPED_REASON,
  mergeGroupedDrafts,
  routeToCandidates,
  type ScopeIndex,
  type UserProfile,
} from "../src/route-event";
import { groupOf, groupTitle, isLatest, latestItems } from "../src/group-notifications";

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
        url: null,
        actions: null,
        count: 1,
        groupKey: null,
        groupSummary: null,
        windowed: false,
        payload: null,
        items: null,
        lastEventId: "e1",
        alertId: null,
        severity: null,
        resolved: false,
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

describe("Herald's own events", () => {
  it("notification.action reaches no user, whatever it names", () => {
    const event = {
      ...base,
      type: "notification.action",
      actorUserId: "u1",
      recipients: ["u2"],
      payload: { notificationId: 1, ownerUserId: "u1" },
    } as HeraldEvent;
    const index = scopes({ admins: ["root"], everyone: { "notification.action": ["watcher"] } } as never);
    expect([...candidates(event, index)]).toEqual([]);
    expect(routeToCandidates(event, new Map([["u1", "direct"]]), profiles({}), now)).toEqual({ drafts: [], decisions: [] });
  });
});

describe("links and actions", () => {
  it("notifications carry their event's url and actions", () => {
    const [draft] = routeEvent(
      {
        ...base,
        type: "review.submitted",
        url: "/reviews/9",
        actions: [{ id: "approve", label: "Approve" }],
        payload: { contentOwnerUserId: "o", reviewerUserIds: ["r"] },
      } as HeraldEvent,
      scopes(),
      profiles({}),
      now,
    ).filter((d) => d.userId === "r");
    expect(draft).toMatchObject({ url: "/reviews/9", actions: [{ id: "approve", label: "Approve" }] });
  });
});

describe("groupOf", () => {
  const event = (over: Partial<HeraldEvent>) => ({ ...base, type: "job.completed", payload: {}, ...over }) as HeraldEvent;
  it.each<[string, Partial<HeraldEvent>, ReturnType<typeof groupOf>]>([
    ["no groupKey: none", {}, undefined],
    ["a groupKey", { groupKey: "nightly" }, { key: "key:nightly", summary: "jobs completed", windowed: true }],
    ["a groupKey in a project", { groupKey: "n", projectId: "p-7" }, { key: "key:n", summary: "jobs completed in p-7", windowed: true }],
    [
      "progress by its source",
      { type: "job.progress", source: { type: "job", id: "j1" } },
      { key: "source:job:j1", summary: null, windowed: false },
    ],
    ["progress without a source: none", { type: "job.progress" }, undefined],
    [
      "progress with a groupKey: that key, unwindowed",
      { type: "job.progress", groupKey: "g" },
      { key: "key:g", summary: null, windowed: false },
    ],
    ["a mention", { type: "collab.mention", groupKey: "doc-1" }, { key: "key:doc-1", summary: "mentions", windowed: true }],
  ])("%s", (_name, over, group) => {
    expect(groupOf(event(over))).toEqual(group);
  });

  it("titles a group by count and summary, a single one or a progress by its own title", () => {
    expect(groupTitle(5, "jobs completed in p-7", "Job completed")).toBe("5 jobs completed in p-7");
    expect(groupTitle(1, "jobs completed", "Job completed")).toBe("Job completed");
    expect(groupTitle(9, null, "Job progress")).toBe("Job progress");
  });

  it("orders items by when they happened, and the latest event gives the body even when stored before an older one", () => {
    const at = (eventId: string, occurredAt: string) => ({ eventId, title: "t", body: "b", occurredAt });
    const items = [at("e2", "2026-01-01T00:00:02.000Z")];
    expect(latestItems([at("e1", "2026-01-01T00:00:01.000Z")], items).map((i) => i.eventId)).toEqual(["e2", "e1"]);
    expect(isLatest([at("e1", "2026-01-01T00:00:01.000Z")], items)).toBe(false);
    expect(isLatest([at("e3", "2026-01-01T00:00:02.000Z")], items)).toBe(true);
    const { drafts } = mergeGroupedDrafts(
      [
        { id: "late", occurredAt: "2026-01-01T00:00:09.000Z", payload: { ownerUserId: "u1", jobName: "train", percent: 90 } },
        { id: "early", occurredAt: "2026-01-01T00:00:01.000Z", payload: { ownerUserId: "u1", jobName: "train", percent: 10 } },
      ]
        .map((e) => ({ ...base, type: "job.progress", source: { type: "job", id: "j" }, ...e }) as HeraldEvent)
        .map((e) => routeToCandidates(e, candidates(e, scopes()), profiles({}), now))
        .reduce((all, r) => ({ drafts: [...all.drafts, ...r.drafts], decisions: [...all.decisions, ...r.decisions] })),
    );
    expect(drafts[0]).toMatchObject({ count: 2, body: "train is 90% done", lastEventId: "early" });
  });

  it("keeps the latest 10 items, newest first", () => {
    const item = (i: number) => ({ eventId: `e${i}`, title: "t", body: "b", occurredAt: "x" });
    const old = [9, 8, 7, 6, 5, 4, 3, 2, 1].map(item);
    expect(latestItems([item(11), item(10)], old).map((i) => i.eventId)).toEqual([
      "e11",
      "e10",
      "e9",
      "e8",
      "e7",
      "e6",
      "e5",
      "e4",
      "e3",
      "e2",
    ]);
  });
});

describe("mergeGroupedDrafts: one notification per group and batch", () => {
  const mergeAll = (events: Partial<HeraldEvent>[], profileOf = profiles({})) => {
    const all = events.map((e, i) => {
      const event = { ...base, id: `e${i}`, type: "job.completed", payload: { ownerUserId: "u1" }, ...e } as HeraldEvent;
      return routeToCandidates(event, candidates(event, scopes()), profileOf, now);
    });
    return mergeGroupedDrafts({ drafts: all.flatMap((r) => r.drafts), decisions: all.flatMap((r) => r.decisions) });
  };

  it("merges one user's events of one type and key: count, summary title, latest body, items newest first", () => {
    const { drafts, decisions } = mergeAll([
      { groupKey: "g", projectId: "p-7", payload: { ownerUserId: "u1", jobName: "a" } },
      { groupKey: "g", projectId: "p-7", payload: { ownerUserId: "u1", jobName: "b" }, url: "/jobs/b" },
      { groupKey: "g", projectId: "p-7", payload: { ownerUserId: "u1", jobName: "c" } },
    ]);
    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({
      eventId: "e0",
      lastEventId: "e2",
      count: 3,
      title: "3 jobs completed in p-7",
      body: "c completed",
      url: null,
      payload: { ownerUserId: "u1", jobName: "c" },
    });
    expect(drafts[0]!.items!.map((i) => i.eventId)).toEqual(["e2", "e1", "e0"]);
    expect(decisions.map((d) => d.outcome)).toEqual(["delivered", "grouped", "grouped"]);
    expect(decisions[1]!.reason).toBe(GROUPED_REASON);
  });

  it("keeps different keys, types and users apart, and events without a key as they are", () => {
    const { drafts } = mergeAll([
      { groupKey: "g" },
      { groupKey: "h" },
      { groupKey: "g", type: "job.failed" },
      {},
      {},
      { groupKey: "g", payload: { ownerUserId: "u2" } },
    ]);
    expect(drafts.map((d) => [d.userId, d.eventType, d.groupKey, d.count])).toEqual([
      ["u1", "job.completed", "key:g", 1],
      ["u1", "job.completed", "key:h", 1],
      ["u1", "job.failed", "key:g", 1],
      ["u1", "job.completed", null, 1],
      ["u1", "job.completed", null, 1],
      ["u2", "job.completed", "key:g", 1],
    ]);
  });

  it("100 progress reports of one job are one notification with the last value", () => {
    const { drafts } = mergeAll(
      Array.from({ length: 100 }, (_, i) => ({
        type: "job.progress" as const,
        source: { type: "job", id: "j1" },
        payload: { ownerUserId: "u1", jobName: "train", percent: i + 1 },
      })),
    );
    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({ count: 100, title: "Job progress", body: "train is 100% done", payload: { percent: 100 } });
    expect(drafts[0]!.items).toHaveLength(10);
  });

  it("does not group what is held for do-not-disturb or digested: each stays its own", () => {
    const resting = profiles({ u1: { settings: { ...DEFAULT_SETTINGS, dndEnabled: true, dndUntil: null } } });
    const { drafts, decisions } = mergeAll([{ groupKey: "g" }, { groupKey: "g" }], resting);
    expect(drafts.map((d) => [d.status, d.groupKey])).toEqual([
      ["held", null],
      ["held", null],
    ]);
    expect(decisions.map((d) => d.outcome)).toEqual(["held", "held"]);
  });

  it("an event delivered twice in one batch counts once", () => {
    const { drafts } = mergeAll([{ groupKey: "g" }, { groupKey: "g", id: "e0" }]);
    expect(drafts.map((d) => d.count)).toEqual([1]);
  });
});

describe("hardware alerts", () => {
  const alert = (over: Record<string, unknown> = {}, type = "system.gpu_warning") =>
    ({ ...base, type, payload: { host: "gpu-7", alertId: "a-1", severity: "warning", state: "firing", ...over } }) as HeraldEvent;
  const admins = scopes({ admins: ["root"] });
  const adminProfile = profiles({ root: { isAdmin: true } });

  it("a firing alert offers its admins the acknowledge button, and carries its id and severity", () => {
    const [draft] = routeEvent(alert(), admins, adminProfile, now);
    expect(draft).toMatchObject({
      actions: [{ id: "acknowledge", label: "Acknowledge" }],
      alertId: "a-1",
      severity: "warning",
      resolved: false,
    });
  });

  it.each<[string, HeraldEvent, unknown]>([
    ["a resolve: no button", alert({ state: "resolved" }), null],
    [
      "gpu_critical is critical whatever its payload says",
      alert({ severity: "warning" }, "system.gpu_critical"),
      [{ id: "acknowledge", label: "Acknowledge" }],
    ],
    ["no alertId: no alert", alert({ alertId: undefined }), null],
  ])("%s", (_name, event, actions) => {
    const [draft] = routeEvent(event, admins, adminProfile, now);
    expect(draft!.actions).toEqual(actions);
  });

  it("a non-admin who follows the type gets no button", () => {
    const [draft] = routeEvent(
      alert(),
      scopes({ everyone: { "system.gpu_warning": ["watcher"] } }),
      profiles({ watcher: { prefs: { "system.gpu_warning": { enabled: true, channels: ["in_app"], scope: "all" } } } }),
      now,
    );
    expect(draft).toMatchObject({ userId: "watcher", actions: null });
  });
});

import { SubscriptionIndex, subscriptionPatternProblem, type MatchableEvent, type MatchableSubscription } from "../src";

const sub = (id: string, eventTypes: string[], filter: MatchableSubscription["filter"] = {}, tenantId = "acme"): MatchableSubscription => ({
  id,
  tenantId,
  eventTypes,
  filter,
});

const index = new SubscriptionIndex([
  sub("exact", ["job.failed"]),
  sub("two-exact", ["job.failed", "job.completed"]),
  sub("category", ["job.*"]),
  sub("category-and-exact", ["job.*", "job.failed"]),
  sub("everything", ["*"]),
  sub("everything-and-more", ["*", "job.failed", "review.*"]),
  sub("project", ["job.*"], { projectId: "p-1" }),
  sub("source", ["*"], { sourceType: "training" }),
  sub("both", ["job.failed"], { projectId: "p-1", sourceType: "training" }),
  sub("collab", ["collab.*"]),
  sub("bus", ["notification.*"]),
  sub("action", ["notification.action"]),
  sub("elsewhere", ["*"], {}, "globex"),
]);

const event = (type: string, extra: Partial<MatchableEvent> = {}): MatchableEvent => ({ tenantId: "acme", type, ...extra });

describe("SubscriptionIndex.match", () => {
  const cases: [string, MatchableEvent, string[]][] = [
    [
      "an exact type, its category, everything; each once",
      event("job.failed"),
      ["exact", "two-exact", "category", "category-and-exact", "everything", "everything-and-more"],
    ],
    ["another type of the category", event("job.started"), ["category", "category-and-exact", "everything", "everything-and-more"]],
    [
      "the second of two exact types",
      event("job.completed"),
      ["two-exact", "category", "category-and-exact", "everything", "everything-and-more"],
    ],
    ["a category listed beside *", event("review.comment"), ["everything", "everything-and-more"]],
    [
      "a project filter met",
      event("job.started", { projectId: "p-1" }),
      ["category", "category-and-exact", "project", "everything", "everything-and-more"],
    ],
    [
      "a project filter not met",
      event("job.started", { projectId: "p-2" }),
      ["category", "category-and-exact", "everything", "everything-and-more"],
    ],
    ["a source filter met", event("system.restart", { source: { type: "training" } }), ["everything", "everything-and-more", "source"]],
    [
      "both filters met",
      event("job.failed", { projectId: "p-1", source: { type: "training" } }),
      ["exact", "two-exact", "both", "category", "category-and-exact", "project", "everything", "everything-and-more", "source"],
    ],
    [
      "one of two filters met",
      event("job.failed", { projectId: "p-1", source: { type: "eval" } }),
      ["exact", "two-exact", "category", "category-and-exact", "project", "everything", "everything-and-more"],
    ],
    ["collab.* by its type prefix", event("collab.mention"), ["collab", "everything", "everything-and-more"]],
    ["Herald's own notification.action", event("notification.action"), ["action", "bus", "everything", "everything-and-more"]],
    ["another tenant's event meets only its own", event("job.failed", { tenantId: "globex" }), ["elsewhere"]],
    ["a tenant without subscriptions", event("job.failed", { tenantId: "initech" }), []],
  ];
  it.each(cases)("%s", (_name, e, expected) => {
    expect(index.match(e).sort()).toEqual([...expected].sort());
  });

  it("takes a project's subscriptions among many projects', and only those", () => {
    const perProject = new SubscriptionIndex([
      ...Array.from({ length: 10_000 }, (_, i) => sub(`p${i}`, i % 2 ? ["job.*"] : ["job.failed"], { projectId: `p-${i}` })),
      sub("any", ["job.failed"]),
      sub("p7-training", ["*"], { projectId: "p-7", sourceType: "training" }),
    ]);
    expect(perProject.match(event("job.failed", { projectId: "p-7" })).sort()).toEqual(["any", "p7"]);
    expect(perProject.match(event("job.failed", { projectId: "p-8", source: { type: "training" } })).sort()).toEqual(["any", "p8"]);
    expect(perProject.match(event("job.failed", { projectId: "p-7", source: { type: "training" } })).sort()).toEqual([
      "any",
      "p7",
      "p7-training",
    ]);
    expect(perProject.match(event("job.failed")).sort()).toEqual(["any"]);
  });

  it("counts its subscriptions", () => {
    expect(index.size).toBe(13);
    expect(new SubscriptionIndex([]).match(event("job.failed"))).toEqual([]);
  });
});

describe("subscriptionPatternProblem", () => {
  const cases: [string, boolean][] = [
    ["*", true],
    ["job.failed", true],
    ["notification.action", true],
    ["job.*", true],
    ["collab.*", true],
    ["notification.*", true],
    ["system.*", true],
    ["collaboration.*", false],
    ["jobs.*", false],
    ["job", false],
    ["job.exploded", false],
    ["job.**", false],
    ["*.failed", false],
    ["**", false],
    ["", false],
    ["JOB.FAILED", false],
    [" job.failed", false],
  ];
  it.each(cases)("%j accepted: %s", (pattern, ok) => {
    expect(subscriptionPatternProblem(pattern) === undefined).toBe(ok);
  });
});

import { DEFAULT_DIGEST_TYPES, getEventType, type Channel, type EventTypeName, type Scope } from "@herald/contract";
import { decideDelivery, summarizeDecision, type Decision, type Relation } from "../src/decide-delivery";

/**
 * The full matrix: event category (one type each, critical or not, digested
 * by default or not) × enabled × channels × scope × DND × digest mode ×
 * admin/non-admin × direct/project/other/admin. Each row's expected outcome comes
 * from the contract's rules written out below as a table, first match wins.
 */
const TYPES: EventTypeName[] = ["job.completed", "review.approved", "collab.mention", "system.gpu_critical"];
const CHANNEL_SETS: Channel[][] = [[], ["in_app"], ["email"], ["in_app", "webhook"]];
const SCOPES: Scope[] = ["my_jobs", "my_projects", "all"];
const RELATIONS: Relation[] = ["direct", "project", "other", "admin"];
const BOOLS = [false, true];

interface Row {
  type: EventTypeName;
  critical: boolean;
  enabled: boolean;
  channels: Channel[];
  scope: Scope;
  dnd: boolean;
  digest: boolean;
  admin: boolean;
  relation: Relation;
}

const drop = (reason: string) => ({ action: "drop", reason });
const digested = (type: EventTypeName) => (DEFAULT_DIGEST_TYPES as readonly string[]).includes(type);
const inScope = (r: Row) =>
  r.relation === "direct" ||
  (r.relation === "project" && r.scope !== "my_jobs") ||
  ((r.relation === "other" || r.relation === "admin") && r.scope === "all");

/** The contract's order, as data: [rule, applies to row, expected outcome]. */
const RULES: [string, (r: Row) => boolean, (r: Row) => object][] = [
  [
    "critical → every admin, in-app + email + their own channels",
    (r) => r.critical && r.admin,
    (r) => ({ action: "deliver", channels: [...new Set(["in_app", "email", ...(r.enabled ? r.channels : [])])] }),
  ],
  ["disabled type → nothing", (r) => !r.enabled, () => drop("disabled")],
  ["no channels (muted) → nothing", (r) => r.channels.length === 0, () => drop("muted")],
  ["outside the chosen scope → nothing", (r) => !inScope(r), () => drop("out_of_scope")],
  ["critical (non-admin) → now, never held or digested", (r) => r.critical, (r) => ({ action: "deliver", channels: r.channels })],
  ["digest mode and a digested type → digest", (r) => r.digest && digested(r.type), (r) => ({ action: "digest", channels: r.channels })],
  ["DND → held", (r) => r.dnd, (r) => ({ action: "hold", channels: r.channels })],
  ["otherwise → now", () => true, (r) => ({ action: "deliver", channels: r.channels })],
];

function expected(row: Row): { rule: string; outcome: object } {
  const [rule, , outcome] = RULES.find(([, applies]) => applies(row))!;
  return { rule, outcome: outcome(row) };
}

const now = new Date("2026-06-01T12:00:00Z");
const matrix: Row[] = [];
for (const type of TYPES)
  for (const enabled of BOOLS)
    for (const channels of CHANNEL_SETS)
      for (const scope of SCOPES)
        for (const dnd of BOOLS)
          for (const digest of BOOLS)
            for (const admin of BOOLS)
              for (const relation of RELATIONS)
                matrix.push({ type, critical: getEventType(type).critical, enabled, channels, scope, dnd, digest, admin, relation });

const candidateOf = (row: Row) => ({
  relation: row.relation,
  isAdmin: row.admin,
  preference: { enabled: row.enabled, channels: row.channels, scope: row.scope },
  settings: { dndEnabled: row.dnd, dndUntil: null, digestEnabled: row.digest, digestTypes: DEFAULT_DIGEST_TYPES },
});

function decide(row: Row): Decision {
  return decideDelivery({ type: row.type, critical: row.critical }, candidateOf(row), now);
}

/** The decision record's outcome, as data too: [rule, applies to row, outcome]; first match wins. */
const ownWouldDeliver = (r: Row) => r.enabled && r.channels.length > 0 && inScope(r);
const OUTCOME_RULES: [string, (r: Row) => boolean, string][] = [
  [
    "critical to an admin past their preferences or DND → critical_bypass",
    (r) => r.critical && r.admin && (!ownWouldDeliver(r) || r.dnd),
    "critical_bypass",
  ],
  ["critical to an admin who chose it → delivered", (r) => r.critical && r.admin, "delivered"],
  ["disabled → disabled", (r) => !r.enabled, "disabled"],
  ["muted → muted", (r) => r.channels.length === 0, "muted"],
  ["outside the scope → out_of_scope", (r) => !inScope(r), "out_of_scope"],
  ["critical in DND → critical_bypass", (r) => r.critical && r.dnd, "critical_bypass"],
  ["critical → delivered", (r) => r.critical, "delivered"],
  ["digested → digest", (r) => r.digest && digested(r.type), "digest"],
  ["DND → held", (r) => r.dnd, "held"],
  ["otherwise → delivered", () => true, "delivered"],
];
const expectedOutcome = (row: Row) => OUTCOME_RULES.find(([, applies]) => applies(row))!;

describe("summarizeDecision over the full matrix", () => {
  it.each(matrix.map((row) => [describeRow(row), row] as const))("%s", (_name, row) => {
    const decision = decide(row);
    const summary = summarizeDecision({ type: row.type, critical: row.critical }, candidateOf(row), decision, now);
    expect(summary.outcome).toBe(expectedOutcome(row)[2]);
    // What went out is what the decision sends; a dropped one sends nothing.
    expect(summary.channels).toEqual(decision.action === "drop" ? [] : decision.channels);
    expect(summary.reason.length).toBeGreaterThan(0);
  });

  // The tenant-default layer: a required type's preference is the tenant's (always enabled, with a
  // channel); what would have been "delivered" is recorded as "required", everything else as it is.
  const requiredRows = matrix.filter((row) => row.enabled && row.channels.length > 0);
  it.each(requiredRows.map((row) => [describeRow(row), row] as const))("required: %s", (_name, row) => {
    const candidate = { ...candidateOf(row), required: true };
    const facts = { type: row.type, critical: row.critical };
    const decision = decideDelivery(facts, candidate, now);
    expect(decision).toEqual(decide(row));
    const outcome = expectedOutcome(row)[2];
    expect(summarizeDecision(facts, candidate, decision, now).outcome).toBe(outcome === "delivered" ? "required" : outcome);
  });

  it("exercises every rule", () => {
    const used = new Set(matrix.map((row) => expectedOutcome(row)[0]));
    expect([...used].sort()).toEqual(OUTCOME_RULES.map(([rule]) => rule).sort());
  });

  it.each<[string, Partial<Parameters<typeof summarizeDecision>[1]>, string, RegExp]>([
    ["a required type delivered", { required: true }, "required", /required by your organization: delivered on in_app/],
    ["a project member under my_jobs", { relation: "project" }, "out_of_scope", /scope my_jobs: .*member of its project/],
    [
      "someone else under my_projects",
      { relation: "other", preference: { enabled: true, channels: ["in_app"], scope: "my_projects" } },
      "out_of_scope",
      /neither names you nor belongs to one of your projects/,
    ],
    [
      "DND with an end",
      { settings: { dndEnabled: true, dndUntil: new Date("2026-06-01T18:00:00Z"), digestEnabled: false, digestTypes: [] } },
      "held",
      /until 2026-06-01T18:00:00.000Z/,
    ],
  ])("says why in words: %s", (_name, over, outcome, reason) => {
    const candidate = {
      ...candidateOf({
        type: "job.completed",
        critical: false,
        enabled: true,
        channels: ["in_app"],
        scope: "my_jobs",
        dnd: false,
        digest: false,
        admin: false,
        relation: "direct",
      }),
      ...over,
    };
    const facts = { type: "job.completed", critical: false };
    const summary = summarizeDecision(facts, candidate, decideDelivery(facts, candidate, now), now);
    expect(summary.outcome).toBe(outcome);
    expect(summary.reason).toMatch(reason);
  });
});

describe("decideDelivery over the full matrix", () => {
  it("covers every combination: 4 types × 2 × 4 channel sets × 3 scopes × 2 × 2 × 2 × 4 relations", () => {
    expect(matrix).toHaveLength(3072);
  });

  it.each(matrix.map((row) => [describeRow(row), row] as const))("%s", (_name, row) => {
    expect(decide(row)).toEqual(expected(row).outcome);
  });

  it("exercises every rule", () => {
    const used = new Set(matrix.map((row) => expected(row).rule));
    expect([...used].sort()).toEqual(RULES.map(([rule]) => rule).sort());
  });
});

describe("decideDelivery: rows a reader can check by eye", () => {
  const row = (over: Partial<Row>): Row => ({
    type: "job.completed",
    critical: false,
    enabled: true,
    channels: ["in_app"],
    scope: "my_jobs",
    dnd: false,
    digest: false,
    admin: false,
    relation: "direct",
    ...over,
  });
  it.each<[string, Partial<Row>, object]>([
    ["job owner, defaults → in-app now", {}, { action: "deliver", channels: ["in_app"] }],
    ["reviewer who muted job.* → nothing", { channels: [] }, { action: "drop", reason: "muted" }],
    ["project member with my_jobs → nothing", { relation: "project" }, { action: "drop", reason: "out_of_scope" }],
    ["project member with my_projects → now", { relation: "project", scope: "my_projects" }, { action: "deliver", channels: ["in_app"] }],
    ["stranger with my_projects → nothing", { relation: "other", scope: "my_projects" }, { action: "drop", reason: "out_of_scope" }],
    ["stranger with all → now", { relation: "other", scope: "all" }, { action: "deliver", channels: ["in_app"] }],
    ["owner in DND → held", { dnd: true }, { action: "hold", channels: ["in_app"] }],
    ["owner in digest mode → digest", { digest: true }, { action: "digest", channels: ["in_app"] }],
    [
      "review.approved in digest mode (not a digested type) → now",
      { type: "review.approved", digest: true },
      { action: "deliver", channels: ["in_app"] },
    ],
    [
      "admin in DND, gpu_critical, all muted → in-app + email now",
      { type: "system.gpu_critical", critical: true, admin: true, dnd: true, channels: [], relation: "other" },
      { action: "deliver", channels: ["in_app", "email"] },
    ],
    [
      "admin with webhook for gpu_critical → in-app + email + webhook",
      { type: "system.gpu_critical", critical: true, admin: true, channels: ["webhook"] },
      { action: "deliver", channels: ["in_app", "email", "webhook"] },
    ],
    [
      "non-admin named on gpu_critical, in DND → now",
      { type: "system.gpu_critical", critical: true, dnd: true },
      { action: "deliver", channels: ["in_app"] },
    ],
  ])("%s", (_name, over, outcome) => {
    expect(decide(row(over))).toEqual(outcome);
  });

  it("DND with an end in the past is over", () => {
    const decision = decideDelivery(
      { type: "job.failed", critical: false },
      {
        relation: "direct",
        isAdmin: false,
        preference: { enabled: true, channels: ["in_app"], scope: "my_jobs" },
        settings: { dndEnabled: true, dndUntil: new Date(now.getTime() - 1), digestEnabled: false, digestTypes: [] },
      },
      now,
    );
    expect(decision).toEqual({ action: "deliver", channels: ["in_app"] });
  });
});

function describeRow(r: Row): string {
  return [
    r.type,
    r.enabled ? "enabled" : "disabled",
    `[${r.channels.join(",")}]`,
    r.scope,
    r.dnd ? "dnd" : "-",
    r.digest ? "digest" : "-",
    r.admin ? "admin" : "user",
    r.relation,
  ].join(" ");
}

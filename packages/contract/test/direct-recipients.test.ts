import type { HeraldEvent } from "../src";
import { directRecipients, notARecipientReason } from "../src/direct-recipients";

const event = (overrides: Partial<HeraldEvent> & Pick<HeraldEvent, "type">): HeraldEvent => ({
  id: "e1",
  occurredAt: "2026-01-01T00:00:00.000Z",
  receivedAt: "2026-01-01T00:00:00.000Z",
  payload: {},
  ...overrides,
});

const ids = (e: HeraldEvent) => directRecipients(e);

describe("directRecipients (contract: who receives an event)", () => {
  it.each([
    ["job.* goes to payload.ownerUserId", event({ type: "job.completed", actorUserId: "ci", payload: { ownerUserId: "u1" } }), ["u1"]],
    ["job.* falls back to the actor when no owner is given", event({ type: "job.failed", actorUserId: "u2" }), ["u2"]],
    [
      "the actor who owns the job hears about it",
      event({ type: "job.started", actorUserId: "u1", payload: { ownerUserId: "u1" } }),
      ["u1"],
    ],
    ["numeric owner ids are strings", event({ type: "job.cancelled", payload: { ownerUserId: 42 } }), ["42"]],
    ["job.* with neither owner nor actor reaches nobody", event({ type: "job.progress" }), []],
    [
      "review.approved goes to the content owner",
      event({ type: "review.approved", actorUserId: "rev", payload: { contentOwnerUserId: "own" } }),
      ["own"],
    ],
    [
      "review.submitted adds the reviewers",
      event({ type: "review.submitted", actorUserId: "own", payload: { contentOwnerUserId: "own2", reviewerUserIds: ["r1", "r2"] } }),
      ["own2", "r1", "r2"],
    ],
    [
      "reviewers are only for review.submitted",
      event({ type: "review.comment", payload: { contentOwnerUserId: "own", reviewerUserIds: ["r1"] } }),
      ["own"],
    ],
    [
      "the actor never hears of their own review action",
      event({ type: "review.submitted", actorUserId: "own", payload: { contentOwnerUserId: "own", reviewerUserIds: ["r1"] } }),
      ["r1"],
    ],
    [
      "collab.mention goes to the mentioned users",
      event({ type: "collab.mention", actorUserId: "a", payload: { mentionedUserIds: ["m1", "a", "m2"] } }),
      ["m1", "m2"],
    ],
    [
      "collab.lock goes to notifyUserIds",
      event({ type: "collab.lock", payload: { notifyUserIds: ["n1"], mentionedUserIds: ["x"] } }),
      ["n1"],
    ],
    ["duplicates collapse", event({ type: "collab.lock", payload: { notifyUserIds: ["n1", "n1"] } }), ["n1"]],
    ["malformed recipient fields are ignored", event({ type: "collab.mention", payload: { mentionedUserIds: "m1" } }), []],
    ["system.* names nobody directly (admins are added by routing)", event({ type: "system.disk_warning", payload: { host: "h" } }), []],
    [
      "explicit recipients replace the per-type fields",
      event({ type: "job.completed", recipients: ["x", "y"], payload: { ownerUserId: "u1" } }),
      ["x", "y"],
    ],
    [
      "explicit recipients still exclude a non-owner actor",
      event({ type: "review.approved", actorUserId: "x", recipients: ["x", "y"] }),
      ["y"],
    ],
    ["system.* may name explicit recipients", event({ type: "system.gpu_critical", recipients: ["oncall"] }), ["oncall"]],
  ])("%s", (_name, input, expected) => {
    expect(ids(input)).toEqual(expected);
  });
});

describe("notARecipientReason", () => {
  const on = (scope: "my_jobs" | "my_projects" | "all") => ({ enabled: true, channels: ["in_app" as const], scope });
  const job = event({ type: "job.failed", actorUserId: "bot", projectId: "p1", payload: { ownerUserId: "owner" } });
  const review = event({ type: "review.approved", projectId: "p1", payload: { contentOwnerUserId: "author" } });
  it.each([
    ["the actor", job, { userId: "bot", projects: [] }, on("all"), /^you performed it/],
    ["someone the event names", job, { userId: "owner", projects: [] }, on("my_jobs"), /names you/],
    ["switched off", job, { userId: "u", projects: [] }, { ...on("all"), enabled: false }, /switched off/],
    ["muted", job, { userId: "u", projects: [] }, { ...on("all"), channels: [] }, /no channel is on/],
    ["my_jobs, not the owner", job, { userId: "u", projects: [] }, on("my_jobs"), /^scope my_jobs: you are not the job's owner$/],
    ["my_jobs, in the project", job, { userId: "u", projects: ["p1"] }, on("my_jobs"), /my_jobs leaves out your project p1/],
    ["my_jobs, not a job", review, { userId: "u", projects: [] }, on("my_jobs"), /^scope my_jobs: the event does not name you$/],
    ["my_projects, another project", job, { userId: "u", projects: ["p2"] }, on("my_projects"), /project p1 is not one of yours/],
    [
      "my_projects, no project",
      event({ type: "job.failed", payload: {} }),
      { userId: "u", projects: ["p1"] },
      on("my_projects"),
      /belongs to no project/,
    ],
    ["my_projects, own project (joined later)", job, { userId: "u", projects: ["p1"] }, on("my_projects"), /before you joined/],
    ["all (chosen later)", job, { userId: "u", projects: [] }, on("all"), /before you chose this scope/],
  ])("%s", (_, e, user, preference, reason) => {
    expect(notARecipientReason(e, user, preference)).toMatch(reason);
  });
});

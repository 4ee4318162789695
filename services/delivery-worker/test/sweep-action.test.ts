import type { JobState } from "bullmq";
import { sweepAction, type SweepAction } from "../src/sweep-action";

describe("sweepAction", () => {
  const cases: [JobState | "unknown", string | undefined, SweepAction][] = [
    ["waiting", undefined, { kind: "leave" }],
    ["prioritized", undefined, { kind: "leave" }],
    ["delayed", undefined, { kind: "leave" }],
    ["active", undefined, { kind: "leave" }],
    ["waiting-children", undefined, { kind: "leave" }],
    ["unknown", undefined, { kind: "requeue" }],
    [
      "failed",
      "job stalled more than allowable limit",
      { kind: "dead_letter", reason: "its job failed for good: job stalled more than allowable limit" },
    ],
    ["failed", "", { kind: "dead_letter", reason: "its job failed for good: no reason recorded" }],
    ["failed", undefined, { kind: "dead_letter", reason: "its job failed for good: no reason recorded" }],
    ["completed", undefined, { kind: "dead_letter", reason: "its job completed without recording an outcome" }],
  ];
  it.each(cases)("a queued delivery whose job is %s (%j)", (state, reason, expected) => {
    expect(sweepAction(state, reason)).toEqual(expected);
  });
});

import { isEventTypePattern, matchesAnyEventTypePattern, matchesEventTypePattern } from "../src/event-type-pattern";

describe("event type patterns", () => {
  it.each<[string, string, boolean]>([
    ["job.failed", "job.failed", true],
    ["job.failed", "job.completed", false],
    ["job.*", "job.failed", true],
    ["job.*", "job", false],
    ["job.*", "jobs.failed", false],
    ["job.*", "system.job", false],
    ["system.*", "system.gpu_critical", true],
    ["*", "collab.mention", true],
    ["*", "notification.action", true],
    ["review.submitted", "review.submitted.extra", false],
  ])("%s against %s: %s", (pattern, type, matches) => {
    expect(matchesEventTypePattern(pattern, type)).toBe(matches);
  });

  it.each<[string, boolean]>([
    ["job.failed", true],
    ["job.*", true],
    ["*", true],
    ["a.b.c.*", true],
    ["", false],
    ["job*", false],
    ["job.*.*", false],
    ["*.failed", false],
    ["Job.failed", false],
    ["job. failed", false],
    ["job.", false],
    ["**", false],
  ])("%j is a pattern: %s", (pattern, valid) => {
    expect(isEventTypePattern(pattern)).toBe(valid);
  });

  it("any of several", () => {
    expect(matchesAnyEventTypePattern(["job.failed", "review.*"], "review.approved")).toBe(true);
    expect(matchesAnyEventTypePattern(["job.failed", "review.*"], "job.completed")).toBe(false);
    expect(matchesAnyEventTypePattern([], "job.completed")).toBe(false);
  });
});

import { deadLetterOf, type FailedJobFacts } from "../src/failed-jobs";

describe("deadLetterOf", () => {
  const job = { deliveryId: "17", round: 2 };
  const cases: [string, FailedJobFacts, ReturnType<typeof deadLetterOf>][] = [
    ["a failure BullMQ retries", { ...job, error: "HTTP 503" }, undefined],
    [
      "the last allowed attempt",
      { ...job, finishedOn: 1, error: "HTTP 503" },
      { deliveryId: "17", round: 2, reason: "its job failed for good: HTTP 503" },
    ],
    [
      "a job that stalled too often",
      { ...job, finishedOn: 1, error: "job stalled more than allowable limit" },
      { deliveryId: "17", round: 2, reason: "its job failed for good: job stalled more than allowable limit" },
    ],
    [
      "an error that was not a send's, on the last attempt",
      { ...job, round: 0, finishedOn: 1, error: "column does not exist" },
      { deliveryId: "17", round: 0, reason: "its job failed for good: column does not exist" },
    ],
  ];
  it.each(cases)("%s", (_what, facts, expected) => {
    expect(deadLetterOf(facts)).toEqual(expected);
  });
});

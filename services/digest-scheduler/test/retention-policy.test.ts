import { loadConfig } from "../src/config";
import { moreToDelete, retentionCutoffs } from "../src/retention-policy";

const DAY = 86_400_000;
const now = new Date("2026-12-02T12:00:00.000Z");

describe("retentionCutoffs", () => {
  it.each<[string, number, number, string, string]>([
    ["the defaults: 30 and 90 days", 30 * DAY, 90 * DAY, "2026-11-02T12:00:00.000Z", "2026-09-03T12:00:00.000Z"],
    ["short windows, as in tests", 600_000, 1_200_000, "2026-12-02T11:50:00.000Z", "2026-12-02T11:40:00.000Z"],
    ["one millisecond", 1, 1, "2026-12-02T11:59:59.999Z", "2026-12-02T11:59:59.999Z"],
  ])("%s", (_name, eventMs, readNotificationMs, events, readNotifications) => {
    const cutoffs = retentionCutoffs(now, { eventMs, readNotificationMs });
    expect({ events: cutoffs.events.toISOString(), readNotifications: cutoffs.readNotifications.toISOString() }).toEqual({
      events,
      readNotifications,
    });
  });
});

describe("moreToDelete", () => {
  it.each<[number, number, boolean]>([
    [0, 1000, false],
    [1, 1000, false],
    [999, 1000, false],
    [1000, 1000, true],
    [1, 1, true],
    [0, 1, false],
  ])("%i deleted of a batch of %i: another batch %s", (deleted, batch, more) => {
    expect(moreToDelete(deleted, batch)).toBe(more);
  });
});

describe("retention settings", () => {
  it("default to an hourly run, 30 days of events, 90 days of read notifications, 1000 per user, batches of 1000", () => {
    expect(loadConfig({}).retention).toEqual({
      tickMs: 3_600_000,
      eventMs: 30 * DAY,
      readNotificationMs: 90 * DAY,
      maxPerUser: 1000,
      batchSize: 1000,
    });
  });

  it.each(["RETENTION_TICK_MS", "EVENT_RETENTION_MS", "NOTIFICATION_RETENTION_MS", "NOTIFICATION_MAX_PER_USER", "RETENTION_BATCH_SIZE"])(
    "refuse %s that is not a positive integer",
    (name) => {
      for (const value of ["0", "-5", "1.5", "soon"]) expect(() => loadConfig({ [name]: value })).toThrow(name);
    },
  );
});

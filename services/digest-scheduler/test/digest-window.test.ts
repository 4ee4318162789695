import { isDigestDue, nextDigestAt, type DigestSchedule } from "../src/digest-window";

const clock = { intervalMs: { hourly: 3_600_000, daily: 86_400_000 } };
const t0 = new Date("2026-11-22T08:00:00.000Z");
const at = (ms: number) => new Date(t0.getTime() + ms);
const every = (interval: "hourly" | "daily", lastSentAt: Date | null): DigestSchedule => ({
  interval,
  lastSentAt,
  digestAt: null,
  timezone: "UTC",
  nextAt: null,
});

describe("isDigestDue", () => {
  it.each<[string, DigestSchedule, Date, boolean]>([
    ["never sent: due", every("hourly", null), t0, true],
    ["hourly, just sent", every("hourly", t0), at(0), false],
    ["hourly, a minute short", every("hourly", t0), at(3_540_000), false],
    ["hourly, exactly an hour", every("hourly", t0), at(3_600_000), true],
    ["hourly, well past", every("hourly", t0), at(7_300_000), true],
    ["daily, an hour later", every("daily", t0), at(3_600_000), false],
    ["daily, a day later", every("daily", t0), at(86_400_000), true],
    ["clock behind the last send (skew): not due", every("hourly", t0), at(-60_000), false],
    ["daily at a local time, not yet scheduled: not due", { ...every("daily", null), digestAt: "09:00" }, t0, false],
    ["daily at a local time, a second before it", { ...every("daily", null), digestAt: "09:00", nextAt: at(1000) }, t0, false],
    ["daily at a local time, at it", { ...every("daily", null), digestAt: "09:00", nextAt: t0 }, t0, true],
    [
      "daily at a local time, an hour after the last: the schedule decides",
      { ...every("daily", t0), digestAt: "09:00", nextAt: t0 },
      at(3_600_000),
      true,
    ],
    ["hourly ignores digestAt", { ...every("hourly", t0), digestAt: "09:00", nextAt: at(86_400_000) }, at(3_600_000), true],
  ])("%s", (_name, schedule, now, due) => {
    expect(isDigestDue(schedule, clock, now)).toBe(due);
  });
});

describe("nextDigestAt: 09:00 on the wall clock of the user's zone", () => {
  it.each<[string, string, string, string, string]>([
    // Europe/Berlin: CET (+01:00) until 2026-03-29 02:00, CEST (+02:00) until 2026-10-25 03:00.
    ["Berlin, winter, before 09:00", "2026-01-15T07:59:00Z", "09:00", "Europe/Berlin", "2026-01-15T08:00:00.000Z"],
    ["Berlin, winter, at 09:00 exactly: the next day's", "2026-01-15T08:00:00Z", "09:00", "Europe/Berlin", "2026-01-16T08:00:00.000Z"],
    ["Berlin, the night before spring forward", "2026-03-28T08:00:00Z", "09:00", "Europe/Berlin", "2026-03-29T07:00:00.000Z"],
    ["Berlin, spring-forward day, after 02:00", "2026-03-29T01:30:00Z", "09:00", "Europe/Berlin", "2026-03-29T07:00:00.000Z"],
    ["Berlin, the day after spring forward", "2026-03-29T07:00:00Z", "09:00", "Europe/Berlin", "2026-03-30T07:00:00.000Z"],
    ["Berlin, the morning before fall back", "2026-10-24T07:00:00Z", "09:00", "Europe/Berlin", "2026-10-25T08:00:00.000Z"],
    ["Berlin, fall-back day, before the change", "2026-10-25T00:30:00Z", "09:00", "Europe/Berlin", "2026-10-25T08:00:00.000Z"],
    ["Berlin, the day after fall back", "2026-10-25T08:00:00Z", "09:00", "Europe/Berlin", "2026-10-26T08:00:00.000Z"],
    [
      "Berlin, a time the spring change skips: when the clock jumps past it",
      "2026-03-28T12:00:00Z",
      "02:30",
      "Europe/Berlin",
      "2026-03-29T01:30:00.000Z",
    ],
    [
      "Berlin, a time the fall change repeats: the first of the two",
      "2026-10-24T12:00:00Z",
      "02:30",
      "Europe/Berlin",
      "2026-10-25T00:30:00.000Z",
    ],
    ["New York, spring forward (2026-03-08)", "2026-03-07T15:00:00Z", "09:00", "America/New_York", "2026-03-08T13:00:00.000Z"],
    ["Kolkata, half-hour offset, no DST", "2026-06-01T00:00:00Z", "09:00", "Asia/Kolkata", "2026-06-01T03:30:00.000Z"],
    ["Auckland: the local date is already tomorrow", "2026-06-01T22:00:00Z", "09:00", "Pacific/Auckland", "2026-06-02T21:00:00.000Z"],
    ["midnight", "2026-06-01T12:00:00Z", "00:00", "UTC", "2026-06-02T00:00:00.000Z"],
    ["a zone this runtime does not know: UTC", "2026-06-01T12:00:00Z", "09:00", "Mars/Olympus", "2026-06-02T09:00:00.000Z"],
  ])("%s", (_name, after, digestAt, zone, expected) => {
    expect(nextDigestAt(new Date(after), digestAt, zone).toISOString()).toBe(expected);
  });

  it("on both 2026 DST transition days in Berlin, one digest a day at 09:00 local, 23 and 25 hours apart", () => {
    const days = (from: string, n: number) => {
      const out: string[] = [];
      let t = new Date(from);
      for (let i = 0; i < n; i++) out.push((t = nextDigestAt(t, "09:00", "Europe/Berlin")).toISOString());
      return out;
    };
    expect(days("2026-03-27T12:00:00Z", 3)).toEqual(["2026-03-28T08:00:00.000Z", "2026-03-29T07:00:00.000Z", "2026-03-30T07:00:00.000Z"]);
    expect(days("2026-10-23T12:00:00Z", 3)).toEqual(["2026-10-24T07:00:00.000Z", "2026-10-25T08:00:00.000Z", "2026-10-26T08:00:00.000Z"]);
  });
});

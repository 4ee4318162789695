import { isDigestDue } from "../src/digest-window";

const clock = { intervalMs: { hourly: 3_600_000, daily: 86_400_000 } };
const t0 = new Date("2026-11-22T08:00:00.000Z");
const at = (ms: number) => new Date(t0.getTime() + ms);

describe("isDigestDue", () => {
  it.each<[string, Date | null, "hourly" | "daily", Date, boolean]>([
    ["never sent: due", null, "hourly", t0, true],
    ["hourly, just sent", t0, "hourly", at(0), false],
    ["hourly, a minute short", t0, "hourly", at(3_540_000), false],
    ["hourly, exactly an hour", t0, "hourly", at(3_600_000), true],
    ["hourly, well past", t0, "hourly", at(7_300_000), true],
    ["daily, an hour later", t0, "daily", at(3_600_000), false],
    ["daily, a day later", t0, "daily", at(86_400_000), true],
    ["clock behind the last send (skew): not due", t0, "hourly", at(-60_000), false],
  ])("%s", (_name, last, interval, now, due) => {
    expect(isDigestDue(last, interval, clock, now)).toBe(due);
  });
});

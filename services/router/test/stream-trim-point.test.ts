import { compareStreamIds, nextStreamId, streamTrimPoint, type GroupPosition } from "../src/stream-trim-point";

const router = (lastDelivered: string, oldestPending: string | null = null): GroupPosition => ({
  name: "router",
  lastDelivered,
  oldestPending,
});
const sub = (lastDelivered: string, oldestPending: string | null = null): GroupPosition => ({
  name: "billing",
  lastDelivered,
  oldestPending,
});

describe("streamTrimPoint", () => {
  it.each<[string, GroupPosition[], string, string]>([
    ["the router alone, nothing pending: past its last delivered", [router("100-3")], "0-0", "100-4"],
    ["the router alone, one pending: its oldest pending", [router("100-3", "90-0")], "0-0", "90-0"],
    ["a subscriber behind the router holds the stream for it", [router("100-3"), sub("50-0")], "0-0", "50-1"],
    ["a subscriber's pending entry holds it", [router("100-3"), sub("100-3", "20-7")], "0-0", "20-7"],
    ["a subscriber ahead changes nothing", [router("100-3", "99-0"), sub("200-0")], "0-0", "99-0"],
    ["a new group given nothing yet (0-0) keeps everything", [router("100-3"), sub("0-0")], "0-0", "0-1"],
    ["retention ends what a stalled subscriber still needs", [router("100-3"), sub("50-0")], "70-0", "70-0"],
    ["retention below every group: the groups decide", [router("100-3"), sub("80-0")], "70-0", "80-1"],
    ["no group: retention alone", [], "70-0", "70-0"],
    ["sequence numbers compare as numbers, not text", [router("100-10"), sub("100-9")], "0-0", "100-10"],
  ])("%s", (_name, groups, retentionMinId, expected) => {
    expect(streamTrimPoint(groups, retentionMinId)).toBe(expected);
  });

  it("orders ids by milliseconds, then sequence, numerically", () => {
    expect(compareStreamIds("9-0", "10-0")).toBe(-1);
    expect(compareStreamIds("10-2", "10-10")).toBe(-1);
    expect(compareStreamIds("10-10", "10-10")).toBe(0);
    expect(compareStreamIds("1700000000000-0", "999-99")).toBe(1);
    expect(nextStreamId("1700000000000-18446744073709551614")).toBe("1700000000000-18446744073709551615");
  });
});

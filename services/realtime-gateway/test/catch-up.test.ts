import { catchUpOutcome, lateWindow, replayMessages } from "../src/socket/catch-up";
import { heldToDeliver, notificationIdOf, type HeldBroadcast } from "../src/socket/catch-up-gate";
import type { NotificationItem } from "@herald/contract";

const item = (id: number, read = false): NotificationItem => ({
  id,
  eventId: `e${id}`,
  type: "job.completed",
  category: "job",
  title: "Job completed",
  body: `j${id} completed`,
  payload: { n: id },
  critical: false,
  read,
  readAt: read ? "2026-01-01T00:00:00.000Z" : null,
  createdAt: "2026-01-01T00:00:00.000Z",
});

describe("replayMessages", () => {
  it("gives each replayed notification the unread count as it stood on arrival, ending at the current total", () => {
    // 7 unread in all; of the replayed ones, 11 and 13 were read since (in another tab).
    const messages = replayMessages([item(10), item(11, true), item(12), item(13, true), item(14)], 7);
    expect(messages.map((m) => [m.id, m.unreadCount])).toEqual([
      [10, 5],
      [11, 5],
      [12, 6],
      [13, 6],
      [14, 7],
    ]);
    expect(messages[0]).toEqual({
      id: 10,
      eventId: "e10",
      type: "job.completed",
      category: "job",
      title: "Job completed",
      body: "j10 completed",
      payload: { n: 10 },
      critical: false,
      createdAt: "2026-01-01T00:00:00.000Z",
      unreadCount: 5,
    });
  });

  it("never reports a negative count (rows read meanwhile)", () => {
    expect(replayMessages([item(1), item(2)], 0).map((m) => m.unreadCount)).toEqual([0, 0]);
    expect(replayMessages([], 3)).toEqual([]);
  });
});

describe("catchUpOutcome", () => {
  const snapshot = (items: NotificationItem[], newestId: number | null, truncated = false) => ({
    items,
    newestId,
    truncated,
    unreadCount: 0,
  });

  it("without a last id: nothing replayed, the cursor starts at the newest id, 0 when there is none yet", () => {
    expect(catchUpOutcome(undefined, snapshot([], 42))).toEqual({ lastNotificationId: 42, replayed: 0, truncated: false });
    expect(catchUpOutcome(undefined, snapshot([], null))).toEqual({ lastNotificationId: 0, replayed: 0, truncated: false });
  });

  it("with a last id: the cursor is the newest replayed id", () => {
    expect(catchUpOutcome(5n, snapshot([item(7), item(9)], 9))).toEqual({ lastNotificationId: 9, replayed: 2, truncated: false });
  });

  it("with nothing missed the cursor stays at the client's id, even one beyond anything stored", () => {
    expect(catchUpOutcome(9n, snapshot([], 9))).toEqual({ lastNotificationId: 9, replayed: 0, truncated: false });
    expect(catchUpOutcome(500n, snapshot([], 9)).lastNotificationId).toBe(500);
  });

  it("passes truncation on", () => {
    expect(catchUpOutcome(1n, snapshot([item(90), item(91)], 91, true))).toEqual({ lastNotificationId: 91, replayed: 2, truncated: true });
  });
});

describe("lateWindow (below the cursor, what the client says it lacks)", () => {
  it.each([
    ["no cursor", undefined, [3], undefined],
    ["no list: a client that cannot tell what it has gets no repeats", 9n, undefined, undefined],
    ["an empty list", 9n, [], undefined],
    ["only its starting cursor: nothing below to look at", 9n, [9], undefined],
    ["between the lowest listed id and the cursor, except those listed", 9n, [9, 7, 4], { above: 4, upTo: 9, seen: [9, 7] }],
    ["listed ids above the cursor do not widen it", 9n, [12, 9, 4], { above: 4, upTo: 9, seen: [9] }],
  ])("%s", (_label, cursor, seen, expected) => {
    expect(lateWindow(cursor, seen)).toEqual(expected);
  });
});

describe("heldToDeliver", () => {
  const held = (event: string, arg: unknown): HeldBroadcast => ({ data: [event, arg], deliver: () => undefined });
  const notification = (id: unknown) => held("notification", { id });

  it("drops notifications catch-up sent and keeps the rest, older ids included, in arrival order", () => {
    const list = [
      notification(8),
      held("unread_count", { count: 3 }),
      notification(10),
      notification(9),
      notification(11),
      notification(4),
      held("unread_count", { count: 4 }),
    ];
    expect(heldToDeliver(list, new Set([8, 9])).map((h) => h.data)).toEqual([
      ["unread_count", { count: 3 }],
      ["notification", { id: 10 }],
      ["notification", { id: 11 }],
      ["notification", { id: 4 }],
      ["unread_count", { count: 4 }],
    ]);
  });

  it("keeps everything when nothing was replayed", () => {
    const list = [notification(1), notification(2)];
    expect(heldToDeliver(list, new Set())).toEqual(list);
  });

  it("keeps what it cannot identify rather than risk losing it", () => {
    const list = [notification("7"), notification(undefined), held("notification", null), held("other", { id: 1 })];
    expect(heldToDeliver(list, new Set([1, 7]))).toEqual(list);
  });

  it("notificationIdOf reads only notification ids", () => {
    expect(notificationIdOf(["notification", { id: 5 }])).toBe(5);
    expect(notificationIdOf(["unread_count", { id: 5 }])).toBeUndefined();
    expect(notificationIdOf(["notification"])).toBeUndefined();
    expect(notificationIdOf([])).toBeUndefined();
  });
});

import type { Notification, NotificationItem } from "@herald/client";
import { linkTarget } from "../src/link-target";
import { entryFromItem, entryFromPush, NotificationStore } from "../src/notification-store";
import { DEFAULT_TOAST_EXPIRE_MS, toastExpiryMs } from "../src/toast-timing";
import { fromLocalInput, localInputValue, untilText } from "../src/until-text";

const config = { defaultAutoExpireMs: 4000, categories: { job: 1000, review: 4000, system: 0, collaboration: 4000, digest: 4000 } };

describe("toastExpiryMs", () => {
  it("uses the category's delay, 0 included (the toast stays)", () => {
    expect(toastExpiryMs(config, "job")).toBe(1000);
    expect(toastExpiryMs(config, "system")).toBe(0);
  });

  it("falls back to the default for a category it does not know, and to 5 s before the gateway sent its config", () => {
    expect(toastExpiryMs(config, "brand-new")).toBe(4000);
    expect(toastExpiryMs(null, "job")).toBe(DEFAULT_TOAST_EXPIRE_MS);
    expect(DEFAULT_TOAST_EXPIRE_MS).toBe(5000);
  });
});

const push = (id: number): Notification => ({
  id,
  eventId: `e${id}`,
  type: "job.completed",
  category: "job",
  title: "Job completed",
  body: `job ${id} completed`,
  payload: {},
  critical: false,
  createdAt: new Date(0).toISOString(),
  unreadCount: 1,
});
const item = (id: number, read: boolean): NotificationItem => ({ ...push(id), read, readAt: read ? new Date(0).toISOString() : null });

describe("NotificationStore", () => {
  it("keeps one entry per id, newest (highest id) first, whatever order pages and pushes come in", () => {
    const store = new NotificationStore();
    expect(store.upsert(entryFromPush(push(7)))).toBe(true);
    for (const n of [item(7, false), item(6, true), item(5, false)]) store.upsert(entryFromItem(n));
    // A do-not-disturb release arrives live with an older id.
    store.upsert(entryFromPush(push(3)));
    expect(store.sorted().map((e) => e.id)).toEqual([7, 6, 5, 3]);
    expect(store.size).toBe(4);
  });

  it("a stale page does not make a notification read here unread again; mark-all-read marks everything", () => {
    const store = new NotificationStore();
    store.upsert(entryFromPush(push(2)));
    store.setRead(2, true);
    store.upsert(entryFromItem(item(2, false)));
    expect(store.get(2)!.read).toBe(true);
    store.upsert(entryFromPush(push(4)));
    store.markAllRead();
    expect(store.sorted().every((e) => e.read)).toBe(true);
    store.clear();
    expect([store.size, store.nextCursor]).toEqual([0, undefined]);
  });
});

describe("entries carry the second wave's count, url and actions where the server sends them", () => {
  it("absent (an older gateway): one event, no link, no actions, no acknowledgement", () => {
    expect(entryFromPush(push(1))).toMatchObject({ count: 1, url: null, actions: [], acknowledged: null });
  });

  it("present: kept; a count of 1 or a malformed one reads as one event, malformed actions are left out", () => {
    const actions = [
      { id: "approve", label: "Approve" },
      { id: "reject", label: "Reject" },
    ];
    expect(entryFromItem({ ...item(2, false), count: 5, url: "/jobs/2", actions })).toMatchObject({ count: 5, url: "/jobs/2", actions });
    const odd = {
      ...item(3, false),
      count: 2.5,
      url: "",
      actions: [{ id: "", label: "x" }, { id: "ok" }, null],
    } as unknown as NotificationItem;
    expect(entryFromItem(odd)).toMatchObject({ count: 1, url: null, actions: [] });
  });

  it("a grouped notification arriving again with the same id replaces its entry (new count and title), read state kept", () => {
    const store = new NotificationStore();
    store.upsert(entryFromPush({ ...push(9), count: 2, title: "2 jobs completed" }));
    expect(store.upsert(entryFromPush({ ...push(9), count: 3, title: "3 jobs completed" }))).toBe(false);
    expect(store.get(9)).toMatchObject({ count: 3, title: "3 jobs completed", read: false });
  });

  it("an acknowledged alert carries who and when from the list; a later push (which never says) keeps them", () => {
    const store = new NotificationStore();
    const at = "2030-06-01T12:00:00.000Z";
    store.upsert(entryFromItem({ ...item(11, false), acknowledgedBy: "ops", acknowledgedAt: at }));
    expect(store.get(11)!.acknowledged).toEqual({ by: "ops", at });
    store.upsert(entryFromPush({ ...push(11), count: 2 }));
    expect(store.get(11)).toMatchObject({ count: 2, acknowledged: { by: "ops", at } });
    // Half of it is none of it.
    expect(entryFromItem({ ...item(12, false), acknowledgedBy: "ops" }).acknowledged).toBeNull();
  });
});

describe("linkTarget: what a click may follow", () => {
  const origin = "https://herald.example";
  it.each([
    ["a path on this origin", "/jobs/42?tab=logs#end", "https://herald.example/jobs/42?tab=logs#end"],
    ["an https URL elsewhere", "https://ci.example.com/runs/7", "https://ci.example.com/runs/7"],
    ["an http URL", "http://intranet.local/x", "http://intranet.local/x"],
  ])("follows %s", (_label, url, expected) => {
    expect(linkTarget(url, origin)).toBe(expected);
  });

  it.each([
    ["javascript:", "javascript:alert(1)"],
    ["javascript: in capitals, with spaces", "  JavaScript:alert(1)"],
    ["data:", "data:text/html,<script>alert(1)</script>"],
    ["a protocol-relative URL", "//evil.example/x"],
    ["a path the parser turns into another host (backslash)", "/\\evil.example/x"],
    ["a path with a tab the parser drops", "/\t/evil.example/x"],
    ["mailto:", "mailto:a@b.c"],
    ["a relative path", "jobs/42"],
    ["nothing", null],
    ["an empty string", ""],
  ])("does not follow %s", (_label, url) => {
    expect(linkTarget(url, origin)).toBeNull();
  });
});

describe("do-not-disturb end times in local time", () => {
  it("a datetime-local value is the local instant, and back", () => {
    const date = fromLocalInput("2030-06-01T18:30");
    expect(date).toEqual(new Date(2030, 5, 1, 18, 30));
    expect(localInputValue(date!)).toBe("2030-06-01T18:30");
  });

  it.each(["", "tomorrow", "2030-06-01", "2030-13-01T18:30", "2030-06-01T18:30Z"])("%p names no local time", (value) => {
    expect(fromLocalInput(value)).toBeNull();
  });

  it("reads as a time today, and with its day otherwise", () => {
    const now = new Date(2030, 5, 1, 9, 0);
    expect(untilText(new Date(2030, 5, 1, 18, 30), now)).not.toMatch(/Jun/);
    expect(untilText(new Date(2030, 5, 2, 18, 30), now)).toMatch(/Jun/);
  });
});

import type { Notification, NotificationItem } from "@herald/client";
import { entryFromItem, entryFromPush, NotificationStore } from "../src/notification-store";
import { DEFAULT_TOAST_EXPIRE_MS, toastExpiryMs } from "../src/toast-timing";

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

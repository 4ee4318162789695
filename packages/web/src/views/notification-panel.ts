import type { Notification } from "@herald/client";
import { byId, h, setText, timeElement } from "../dom";
import { errorText } from "../error-text";
import { entryFromItem, entryFromPush, NotificationStore, type Entry } from "../notification-store";
import type { Session } from "../session";

const PAGE_SIZE = 20;

/**
 * The bell and its panel: the unread badge, the notifications loaded so far (pages of the REST list merged with
 * pushes), marking them read, and Load more for older pages. Opening and closing the panel is for the popovers.
 */
export class NotificationPanel {
  private readonly store = new NotificationStore();
  private unread = 0;
  private loadingPage = false;

  private readonly el = {
    bell: byId<HTMLButtonElement>("bell"),
    badge: byId("badge"),
    list: byId<HTMLUListElement>("list"),
    listEmpty: byId("list-empty"),
    listError: byId("list-error"),
    loadMore: byId<HTMLButtonElement>("load-more"),
    markAllRead: byId<HTMLButtonElement>("mark-all-read"),
  };

  constructor(private readonly session: Session) {
    this.el.loadMore.addEventListener("click", () => void this.loadPage());
    this.el.markAllRead.addEventListener("click", () => void this.markAllRead());
  }

  /** A pushed notification, live or replayed after a reconnect. */
  add(n: Notification): void {
    this.store.upsert(entryFromPush(n));
    this.renderList();
  }

  setUnread(count: number): void {
    this.unread = count;
    // Read everywhere (another tab, mark-all-read): everything loaded is read.
    if (count === 0 && this.store.size > 0) {
      this.store.markAllRead();
      this.renderList();
    }
    setText(this.el.badge, count > 99 ? "99+" : String(count));
    this.el.badge.hidden = count === 0;
    this.el.bell.setAttribute("aria-label", `Notifications, ${count} unread`);
    this.el.bell.dataset.unread = String(count);
    this.el.markAllRead.disabled = count === 0;
    document.title = count > 0 ? `(${count}) Herald` : "Herald";
  }

  /** The first page (`first`: again, keeping older pages already shown), or the next older one. */
  async loadPage(first = false): Promise<void> {
    if (!this.session.client() || this.loadingPage) return;
    if (!first && !this.store.nextCursor) return;
    this.loadingPage = true;
    this.el.loadMore.disabled = true;
    const cursor = first ? undefined : (this.store.nextCursor ?? undefined);
    let current: boolean;
    try {
      current = await this.session.runWithClient((client) => client.list({ limit: PAGE_SIZE, cursor }), {
        answered: (page) => {
          for (const item of page.items) this.store.upsert(entryFromItem(item));
          // A reload of the first page keeps any older pages already shown.
          if (!first || this.store.nextCursor === undefined) this.store.nextCursor = page.nextCursor;
          this.el.listError.hidden = true;
        },
        failed: (error) => {
          setText(this.el.listError, `Could not load notifications: ${errorText(error)}`);
          this.el.listError.hidden = false;
        },
      });
    } finally {
      this.loadingPage = false;
      this.el.loadMore.disabled = false;
    }
    if (current) this.renderList();
  }

  /** Focuses a notification's row (a toast was clicked) and scrolls it into view. */
  focus(id: number): void {
    const item = this.el.list.querySelector<HTMLElement>(`li[data-id="${id}"] button`);
    item?.focus();
    item?.scrollIntoView({ block: "nearest" });
  }

  /** Signed out: nothing of that user's list stays. */
  clear(): void {
    this.store.clear();
    this.el.list.replaceChildren();
  }

  private renderList(): void {
    const entries = this.store.sorted();
    this.el.list.replaceChildren(...entries.map((e) => this.renderEntry(e)));
    this.el.listEmpty.hidden = entries.length > 0 || this.store.nextCursor === undefined;
    this.el.loadMore.hidden = !this.store.nextCursor;
  }

  private renderEntry(e: Entry): HTMLLIElement {
    const classes = ["item", `item--${e.category}`];
    if (!e.read) classes.push("item--unread");
    if (e.critical) classes.push("item--critical");
    return h(
      "li",
      { class: classes.join(" "), attrs: { "data-id": String(e.id), "data-read": String(e.read) } },
      h(
        "button",
        {
          class: "item-button",
          attrs: { type: "button", title: e.read ? "Read" : "Mark as read", "aria-pressed": String(e.read) },
          on: { click: () => void this.markRead(e.id) },
        },
        h("span", { class: "item-dot", attrs: { "aria-hidden": "true" } }),
        h(
          "span",
          { class: "item-text" },
          h("span", { class: "item-title" }, e.title),
          e.body ? h("span", { class: "item-body" }, e.body) : null,
          h(
            "span",
            { class: "item-meta" },
            e.critical ? h("span", { class: "chip chip--critical" }, "critical") : null,
            h("span", { class: "chip" }, e.category),
            " ",
            timeElement(e.createdAt),
          ),
        ),
      ),
    );
  }

  // Unlike a page load, marking read does not go through the session's guard: a failure is shown even if it
  // arrives after sign-out.
  private async markRead(id: number): Promise<void> {
    const entry = this.store.get(id);
    const client = this.session.client();
    if (!entry || entry.read || !client) return;
    this.store.setRead(id, true);
    this.renderList();
    try {
      // The gateway answers once it is stored, then sends every tab the new unread count.
      await client.markRead(id);
    } catch (error) {
      this.store.setRead(id, false);
      this.renderList();
      setText(this.el.listError, `Could not mark it read: ${errorText(error)}`);
      this.el.listError.hidden = false;
    }
  }

  private async markAllRead(): Promise<void> {
    const client = this.session.client();
    if (!client) return;
    this.el.markAllRead.disabled = true;
    try {
      await client.markAllRead();
      this.store.markAllRead();
      this.renderList();
    } catch (error) {
      setText(this.el.listError, `Could not mark all read: ${errorText(error)}`);
      this.el.listError.hidden = false;
      this.el.markAllRead.disabled = this.unread === 0;
    }
  }
}

import { HeraldClientError, type Notification } from "@herald/client";
import { ACKNOWLEDGE_ACTION } from "@herald/contract";
import { byId, setText } from "../dom";
import { errorText } from "../error-text";
import { linkTarget } from "../link-target";
import { entryFromItem, entryFromPush, NotificationStore } from "../notification-store";
import type { Session } from "../session";
import { CategoryFilter, emptyText } from "./category-filter";
import { renderRow, type ActionState } from "./notification-row";

const PAGE_SIZE = 20;
/** How far below the visible end of the list the next page starts loading, so scrolling rarely waits for it. */
const PREFETCH_MARGIN = "0px 0px 160px 0px";

/**
 * The bell and its panel: the unread badge, the notifications loaded so far (pages of the REST list merged with
 * pushes), a category filter, marking them read and following their links, their action buttons, and older pages
 * loaded as the list is scrolled to its end. Opening and closing the panel is for the popovers.
 */
export class NotificationPanel {
  private readonly store = new NotificationStore();
  private unread = 0;
  /**
   * Bumped whenever what the list shows starts afresh (sign-out, another filter): an answer to a request sent
   * before is dropped, and a page load still in flight from before no longer blocks the next one. A plain
   * "loading" flag outlived sign-out, and the next session's list never loaded while the old request hung.
   */
  private generation = 0;
  /** The generation a page load is in flight for, if any. */
  private loadingFor: number | null = null;
  private readonly actions = new Map<number, ActionState>();
  private readonly filter: CategoryFilter;
  private readonly observer: IntersectionObserver;

  private readonly el = {
    bell: byId<HTMLButtonElement>("bell"),
    badge: byId("badge"),
    scroller: byId("list-scroll"),
    list: byId<HTMLUListElement>("list"),
    listEmpty: byId("list-empty"),
    listError: byId("list-error"),
    listStatus: byId("list-status"),
    sentinel: byId("list-sentinel"),
    markAllRead: byId<HTMLButtonElement>("mark-all-read"),
  };

  constructor(
    private readonly session: Session,
    /** Leaves the page for a notification's link (window.location.assign). */
    private readonly navigate: (href: string) => void = (href) => window.location.assign(href),
  ) {
    this.el.markAllRead.addEventListener("click", () => void this.markAllRead());
    this.filter = new CategoryFilter(byId("category-filter"), () => this.restart());
    // Infinite scroll: the sentinel after the list comes into view (only while the panel is open, as a hidden
    // panel intersects nothing), and the next page loads.
    this.observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) void this.loadPage();
      },
      { root: this.el.scroller, rootMargin: PREFETCH_MARGIN },
    );
    this.observer.observe(this.el.sentinel);
  }

  /** A pushed notification, live or replayed after a reconnect (a grouped one again with the same id: replaced). */
  add(n: Notification): void {
    const category = this.filter.category;
    if (category && n.category !== category) return;
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
    const generation = this.generation;
    if (!this.session.client() || this.loadingFor === generation) return;
    if (!first && !this.store.nextCursor) return;
    this.loadingFor = generation;
    this.renderStatus();
    const cursor = first ? undefined : (this.store.nextCursor ?? undefined);
    const category = this.filter.category ?? undefined;
    let drawn = false;
    try {
      drawn = await this.session.runWithClient((client) => client.list({ limit: PAGE_SIZE, cursor, category }), {
        answered: (page) => {
          if (generation !== this.generation) return;
          for (const item of page.items) this.store.upsert(entryFromItem(item));
          // A reload of the first page keeps any older pages already shown.
          if (!first || this.store.nextCursor === undefined) this.store.nextCursor = page.nextCursor;
          this.el.listError.hidden = true;
        },
        failed: (error) => {
          if (generation !== this.generation) return;
          setText(this.el.listError, `Could not load notifications: ${errorText(error)}`);
          this.el.listError.hidden = false;
        },
      });
    } finally {
      if (this.loadingFor === generation) this.loadingFor = null;
    }
    if (!drawn || generation !== this.generation) return;
    this.renderList();
    // Still in view (the page did not fill the panel): the observer reports only changes, so ask it again.
    this.observer.unobserve(this.el.sentinel);
    this.observer.observe(this.el.sentinel);
  }

  /** Focuses a notification's row (a toast or a system notification was clicked) and scrolls it into view. */
  focus(id: number): void {
    const item = this.el.list.querySelector<HTMLElement>(`li[data-id="${id}"] [data-control="open"]`);
    item?.focus();
    item?.scrollIntoView({ block: "nearest" });
  }

  /** Signed out: nothing of that user's list stays, and nothing in flight for it is drawn. */
  clear(): void {
    this.generation += 1;
    this.loadingFor = null;
    this.filter.reset();
    this.store.clear();
    this.actions.clear();
    this.el.list.replaceChildren();
    this.el.listError.hidden = true;
    this.renderStatus();
  }

  /** Another filter: the list starts again from its first page. */
  private restart(): void {
    this.generation += 1;
    this.store.clear();
    this.actions.clear();
    this.el.listError.hidden = true;
    this.renderList();
    void this.loadPage(true);
  }

  private renderList(): void {
    // Redrawing replaces the rows: focus goes back to the same control of the same row.
    const focused = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const focusedRow = focused && this.el.list.contains(focused) ? focused.closest("li")?.dataset.id : undefined;
    const focusedControl = focused?.dataset.control;

    const entries = this.store.sorted();
    const handlers = { open: (id: number) => void this.open(id), act: (id: number, actionId: string) => void this.act(id, actionId) };
    this.el.list.replaceChildren(
      ...entries.map((e) => renderRow(e, linkTarget(e.url, window.location.origin), this.actions.get(e.id), handlers)),
    );
    setText(this.el.listEmpty, emptyText(this.filter.category));
    this.el.listEmpty.hidden = entries.length > 0 || this.store.nextCursor === undefined;
    this.renderStatus();

    if (focusedRow !== undefined) {
      const row = this.el.list.querySelector<HTMLElement>(`li[data-id="${focusedRow}"]`);
      const again = row?.querySelector<HTMLElement>(`[data-control="${focusedControl}"]:not(:disabled)`) ?? row?.querySelector("button");
      again?.focus({ preventScroll: true });
    }
  }

  /** Below the list: loading, or the end of it (said, so nobody waits for more). */
  private renderStatus(): void {
    const loading = this.loadingFor === this.generation;
    const end = this.store.nextCursor === null && this.store.size > 0;
    setText(this.el.listStatus, loading ? "Loading…" : end ? "That's all." : "");
    this.el.listStatus.hidden = !loading && !end;
  }

  /** The row was activated: mark it read, then follow its link, if it has one that may be followed. */
  private async open(id: number): Promise<void> {
    const entry = this.store.get(id);
    if (!entry) return;
    const target = linkTarget(entry.url, window.location.origin);
    // Answered (or refused) before leaving: the page going away would cut the request off.
    if (!entry.read) await this.markRead(id);
    if (target && this.store.get(id)) this.navigate(target);
  }

  // Through the session's guard like every request: a failure arriving after sign-out belongs to a page that is
  // gone, and used to show in the next session's list.
  private async markRead(id: number): Promise<void> {
    const entry = this.store.get(id);
    if (!entry || entry.read) return;
    this.store.setRead(id, true);
    this.renderList();
    // The gateway answers once it is stored, then sends every tab the new unread count.
    await this.session.runWithClient((client) => client.markRead(id), {
      answered: () => undefined,
      failed: (error) => {
        this.store.setRead(id, false);
        this.renderList();
        setText(this.el.listError, `Could not mark it read: ${errorText(error)}`);
        this.el.listError.hidden = false;
      },
    });
  }

  /** One of the notification's actions: the gateway marks it read and publishes the choice. */
  private async act(id: number, actionId: string): Promise<void> {
    const entry = this.store.get(id);
    const action = entry?.actions.find((a) => a.id === actionId);
    if (!entry || !action || this.actions.get(id)?.pending !== undefined) return;
    this.actions.set(id, { pending: actionId });
    this.renderList();
    await this.session.runWithClient((client) => client.act(id, actionId), {
      answered: () => {
        this.actions.set(id, { done: actionId });
        this.store.setRead(id, true);
        this.renderList();
        // Who acknowledged an alert, and when, is the gateway's to say (the first admin's, if two acked at once).
        if (actionId === ACKNOWLEDGE_ACTION.id) void this.loadPage(true);
      },
      failed: (error) => {
        const reason =
          error instanceof HeraldClientError && error.status === 404
            ? `“${action.label}” is not available: the gateway does not offer this action (${errorText(error)}).`
            : `“${action.label}” failed: ${errorText(error)}`;
        this.actions.set(id, { error: reason });
        this.renderList();
      },
    });
  }

  private async markAllRead(): Promise<void> {
    this.el.markAllRead.disabled = true;
    await this.session.runWithClient((client) => client.markAllRead(), {
      answered: () => {
        this.store.markAllRead();
        this.renderList();
      },
      failed: (error) => {
        setText(this.el.listError, `Could not mark all read: ${errorText(error)}`);
        this.el.listError.hidden = false;
        this.el.markAllRead.disabled = this.unread === 0;
      },
    });
  }
}

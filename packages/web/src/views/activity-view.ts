import { append, byId, h, timeElement } from "../dom";
import { errorText } from "../error-text";
import type { HistoryEvent } from "@herald/contract";
import { subjectOf } from "../event-subject";
import { getEventHistory } from "../gateway-api";
import type { Session } from "../session";

/** The event history feed, newest first: older pages on request, reloaded shortly after notifications arrive. */
export class ActivityView {
  /** The next (older) page's cursor: undefined before the first page, null when there are no more. */
  private cursor: string | null | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  private readonly el = {
    list: byId<HTMLOListElement>("activity-list"),
    empty: byId("activity-empty"),
    more: byId<HTMLButtonElement>("activity-more"),
    refresh: byId<HTMLButtonElement>("activity-refresh"),
  };

  constructor(private readonly session: Session) {
    this.el.more.addEventListener("click", () => void this.load(false));
    this.el.refresh.addEventListener("click", () => void this.load(true));
  }

  /** A notification arrived, so its event is in the history: reload once a burst of them has passed. */
  refreshSoon(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.load(true), 500);
  }

  /** The newest page afresh (`reset`), or the next older one after those shown. */
  async load(reset: boolean): Promise<void> {
    if (!reset && !this.cursor) return;
    const current = await this.session.run((token) => getEventHistory(token, reset ? undefined : (this.cursor ?? undefined)), {
      answered: (page) => {
        const rows = page.items.map((event) => renderEvent(event));
        if (reset) this.el.list.replaceChildren(...rows);
        else append(this.el.list, ...rows);
        this.cursor = page.nextCursor;
      },
      failed: (error) => {
        if (reset) this.el.list.replaceChildren(h("li", { class: "error" }, `Could not load activity: ${errorText(error)}`));
      },
    });
    if (!current) return;
    this.el.empty.hidden = this.el.list.childElementCount > 0;
    this.el.more.hidden = !this.cursor;
  }

  /** Signed out: nothing of that user's history stays, and no reload is pending. */
  clear(): void {
    clearTimeout(this.refreshTimer);
    this.cursor = undefined;
    this.el.list.replaceChildren();
  }
}

function renderEvent(event: HistoryEvent): HTMLLIElement {
  const action = (event.type.split(".")[1] ?? event.type).replace(/_/g, " ");
  const subject = subjectOf(event);
  const details: string[] = [];
  if (event.source) details.push(`${event.source.type} ${event.source.id}`);
  if (event.actorUserId) details.push(`by ${event.actorUserId}`);
  if (event.projectId) details.push(`project ${event.projectId}`);
  return h(
    "li",
    { class: `event event--${event.category}`, attrs: { "data-type": event.type } },
    h("span", { class: `chip chip--${event.critical ? "critical" : event.category}` }, event.category),
    h(
      "span",
      { class: "event-action" },
      h("span", { class: "event-verb" }, action),
      subject ? h("span", { class: "event-subject" }, subject) : null,
    ),
    h("span", { class: "event-details" }, details.join(" · ")),
    timeElement(event.occurredAt),
  );
}

import {
  DELIVERY_STATUSES,
  EXTERNAL_CHANNELS,
  type DecisionRecord,
  type HistoryEvent,
  type NotARecipient,
  type SubscriptionView,
} from "@herald/contract";
import { append, byId, h, setText, timeElement } from "../dom";
import { errorText } from "../error-text";
import { subjectOf } from "../event-subject";
import {
  explain,
  getAdminDeliveries,
  getAdminDelivery,
  getAdminLinks,
  getAdminStats,
  getAdminSubscriptions,
  getDecisions,
  getEventHistory,
  retryDelivery,
  setSubscriptionStatus,
  type AdminDelivery,
  type AdminDeliveryAttempt,
  type AdminStats,
} from "../gateway-api";
import type { Session } from "../session";

const STATUS_LABELS: Record<string, string> = {
  queued: "Queued",
  delivered: "Delivered",
  dead_lettered: "Dead letter",
  skipped: "Skipped",
};

const timeFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

/** A recent event as the Why picker lists it: "job.failed · nightly · 3 Dec, 14:05". */
function eventLabel(event: HistoryEvent): string {
  return [event.type, subjectOf(event), timeFormat.format(new Date(event.occurredAt))].filter(Boolean).join(" · ");
}

function percent(rate: number | null): string {
  return rate === null ? "—" : `${(rate * 100).toFixed(1)} %`;
}

function ms(value: number | null): string {
  return value === null ? "—" : `${Math.round(value)} ms`;
}

function table(caption: string, head: readonly string[], rows: readonly (readonly (Node | string | number)[])[]): HTMLTableElement {
  return h(
    "table",
    { class: "admin-table" },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, ...head.map((label) => h("th", { attrs: { scope: "col" } }, label)))),
    h("tbody", {}, ...rows.map((cells) => h("tr", {}, ...cells.map((cell) => h("td", {}, cell))))),
  );
}

/**
 * The operator's panel, for admins only (the gateway passes its calls on to ingest's operator API, which checks the
 * role and scopes everything to the admin's tenant): per-channel statistics and backlog, deliveries by channel and
 * status with each one's attempt log and Retry for dead letters, and "Why" (an event's decision records, and explain).
 * Like the preferences, it takes the activity feed's place while open.
 */
export class AdminView {
  private readonly el = {
    button: byId<HTMLButtonElement>("admin-button"),
    view: byId("admin"),
    close: byId<HTMLButtonElement>("admin-close"),
    error: byId("admin-error"),
    dashboard: byId<HTMLAnchorElement>("admin-dashboard"),
    stats: byId("admin-stats"),
    channel: byId<HTMLSelectElement>("admin-channel"),
    status: byId<HTMLSelectElement>("admin-status"),
    deliveries: byId("admin-deliveries"),
    attempts: byId("admin-attempts"),
    subscriptions: byId("admin-subscriptions"),
    whyForm: byId<HTMLFormElement>("why-form"),
    whyRecent: byId<HTMLSelectElement>("why-recent"),
    whyEvent: byId<HTMLInputElement>("why-event"),
    whyUser: byId<HTMLInputElement>("why-user"),
    whyExplain: byId<HTMLButtonElement>("why-explain"),
    whyResult: byId("why-result"),
    feed: byId("activity"),
    preferences: byId("preferences"),
    preferencesButton: byId<HTMLButtonElement>("preferences-button"),
  };

  constructor(private readonly session: Session) {
    append(
      this.el.channel,
      h("option", { attrs: { value: "" } }, "every channel"),
      ...EXTERNAL_CHANNELS.map((c) => h("option", { attrs: { value: c } }, c)),
    );
    append(
      this.el.status,
      h("option", { attrs: { value: "" } }, "every status"),
      ...DELIVERY_STATUSES.map((s) => h("option", { attrs: { value: s } }, STATUS_LABELS[s] ?? s)),
    );
    this.el.button.addEventListener("click", () => this.show(this.el.view.hidden));
    // Done hides itself: focus goes back to the button that opened the view, not to the page's start.
    this.el.close.addEventListener("click", () => {
      this.show(false);
      this.el.button.focus();
    });
    // The preferences take the same place: opening them closes this (they hide the feed themselves).
    this.el.preferencesButton.addEventListener("click", () => {
      this.el.view.hidden = true;
      this.el.button.setAttribute("aria-pressed", "false");
    });
    this.el.channel.addEventListener("change", () => void this.loadDeliveries());
    this.el.status.addEventListener("change", () => void this.loadDeliveries());
    this.el.whyForm.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.loadDecisions();
    });
    this.el.whyExplain.addEventListener("click", () => void this.loadExplain());
    // Picked from the history: its id goes in the field, to ask about it (or to change it).
    this.el.whyRecent.addEventListener("change", () => {
      if (this.el.whyRecent.value) this.el.whyEvent.value = this.el.whyRecent.value;
    });
  }

  /** The Admin button shows for a token whose role claims admin; ingest decides what it may actually read. */
  setAdmin(admin: boolean): void {
    this.el.button.hidden = !admin;
    if (!admin) this.show(false);
  }

  show(open: boolean): void {
    if (open === !this.el.view.hidden) return;
    this.el.view.hidden = !open;
    this.el.button.setAttribute("aria-pressed", String(open));
    if (open) {
      this.el.preferences.hidden = true;
      this.el.preferencesButton.setAttribute("aria-pressed", "false");
      this.el.feed.hidden = true;
      void this.load();
    } else if (this.el.preferences.hidden && !this.el.button.hidden) {
      this.el.feed.hidden = false;
    }
  }

  /** Signed out: nothing an operator saw stays on the page. */
  clear(): void {
    this.el.view.hidden = true;
    this.el.button.hidden = true;
    for (const el of [this.el.stats, this.el.deliveries, this.el.attempts, this.el.subscriptions, this.el.whyResult, this.el.whyRecent]) {
      el.replaceChildren();
    }
    delete this.el.whyResult.dataset.event;
    this.el.whyEvent.value = "";
    this.el.whyUser.value = "";
    this.el.error.hidden = true;
  }

  private failed(error: unknown): void {
    this.el.error.hidden = false;
    setText(this.el.error, errorText(error));
  }

  private async load(): Promise<void> {
    this.el.error.hidden = true;
    await Promise.all([
      this.session.run((token) => getAdminLinks(token), {
        answered: (links) => this.el.dashboard.setAttribute("href", links.dashboard),
        failed: (error) => this.failed(error),
      }),
      this.session.run((token) => getAdminStats(token), { answered: (stats) => this.renderStats(stats), failed: (e) => this.failed(e) }),
      this.loadDeliveries(),
      this.loadSubscriptions(),
      this.loadRecentEvents(),
    ]);
  }

  private async loadSubscriptions(): Promise<void> {
    await this.session.run((token) => getAdminSubscriptions(token), {
      answered: ({ items, nextCursor }) =>
        this.el.subscriptions.replaceChildren(
          items.length === 0
            ? h("p", { class: "empty" }, "No service subscribes to your organization's events.")
            : table(
                "Webhook subscriptions",
                ["Subscription", "URL", "Event types", "Filter", "Status", ""],
                items.map((s) => this.subscriptionRow(s)),
              ),
          ...(nextCursor ? [h("p", { class: "hint" }, `The first ${items.length} are shown.`)] : []),
        ),
      failed: (error) => this.failed(error),
    });
  }

  private subscriptionRow(s: SubscriptionView): (Node | string | number)[] {
    const next = s.status === "active" ? "paused" : "active";
    const verb = next === "paused" ? "Pause" : "Resume";
    // Seen as one word in a narrow column; named in full for screen readers and keyboard users.
    const toggle = h(
      "button",
      { class: "text-button", attrs: { type: "button", "data-subscription": s.id, "aria-label": `${verb} ${s.id}` } },
      verb,
    );
    toggle.addEventListener("click", () => {
      toggle.disabled = true;
      void this.session.run((token) => setSubscriptionStatus(token, s.id, next), {
        answered: () => void this.loadSubscriptions(),
        failed: (error) => {
          toggle.disabled = false;
          this.failed(error);
        },
      });
    });
    const filter = [s.filter.projectId && `project ${s.filter.projectId}`, s.filter.sourceType && `source ${s.filter.sourceType}`]
      .filter(Boolean)
      .join(", ");
    const name = h("span", { class: "wrap" }, s.id);
    return [
      s.description ? h("span", {}, h("span", { class: "subscription-description" }, s.description), " ", name) : name,
      h("span", { class: "wrap" }, s.url),
      s.eventTypes.join(", "),
      filter || "none",
      h("span", { class: `subscription-status subscription-status--${s.status}` }, s.status === "active" ? "Active" : "Paused"),
      toggle,
    ];
  }

  /** The tenant's latest events (an admin's history holds all of them), to pick one for Why. */
  private async loadRecentEvents(): Promise<void> {
    await this.session.run((token) => getEventHistory(token), {
      answered: (page) =>
        this.el.whyRecent.replaceChildren(
          h("option", { attrs: { value: "" } }, page.items.length === 0 ? "no events yet" : "pick one of the latest"),
          ...page.items.map((event) => h("option", { attrs: { value: event.id } }, eventLabel(event))),
        ),
      failed: (error) => this.failed(error),
    });
  }

  private renderStats(stats: AdminStats): void {
    const channels = table(
      "Deliveries per channel, last 24 hours",
      ["Channel", "Delivered", "Dead letters", "Queued", "Skipped", "Success rate", "p50", "p95"],
      stats.channels.map((c) => [
        c.channel,
        c.delivered,
        c.deadLettered,
        c.queued,
        c.skipped,
        percent(c.successRate),
        ms(c.p50DeliveryMs),
        ms(c.p95DeliveryMs),
      ]),
    );
    channels.id = "admin-channels";
    const backlog = stats.backlog;
    const queues = backlog
      ? table(
          "Stream and queues",
          ["Queue", "Waiting", "Active", "Delayed", "Failed"],
          [
            ["event stream (router lag)", backlog.routerLag ?? "—", backlog.routerPending, "—", "—"],
            ...Object.entries(backlog.queues).map(([name, q]) => [name, q.waiting, q.active, q.delayed, q.failed]),
          ],
        )
      : h("p", { class: "hint" }, "Stream lag and queue depths are unavailable: Redis did not answer.");
    queues.id = "admin-backlog";
    this.el.stats.replaceChildren(channels, queues);
  }

  private async loadDeliveries(): Promise<void> {
    const filter = { channel: this.el.channel.value || undefined, status: this.el.status.value || undefined };
    await this.session.run((token) => getAdminDeliveries(token, filter), {
      answered: (page) => {
        this.el.deliveries.replaceChildren(
          page.items.length === 0
            ? h("p", { class: "empty" }, "No deliveries match.")
            : table(
                "Deliveries, newest first",
                ["Id", "User", "Channel", "Status", "Attempts", "Last error", "Updated", ""],
                page.items.map((d) => this.deliveryRow(d)),
              ),
        );
      },
      failed: (error) => this.failed(error),
    });
  }

  private deliveryRow(d: AdminDelivery): (Node | string | number)[] {
    const actions = h(
      "span",
      { class: "admin-actions" },
      h(
        "button",
        { class: "text-button", attrs: { type: "button", "data-attempts": d.id }, on: { click: () => void this.loadAttempts(d.id) } },
        `Attempts of ${d.id}`,
      ),
    );
    if (d.status === "dead_lettered") {
      const retry = h("button", { class: "text-button", attrs: { type: "button", "data-retry": d.id } }, `Retry ${d.id}`);
      retry.addEventListener("click", () => void this.retry(d.id, retry));
      append(actions, retry);
    }
    return [
      d.id,
      d.userId,
      d.channel,
      h("span", { class: `delivery-status delivery-status--${d.status}` }, STATUS_LABELS[d.status] ?? d.status),
      d.attempts,
      d.lastError ?? "",
      timeElement(d.updatedAt),
      actions,
    ];
  }

  private async retry(id: string, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    await this.session.run((token) => retryDelivery(token, id), {
      answered: () => {
        setText(this.el.attempts, `Delivery ${id} is queued again.`);
        void this.loadDeliveries();
        void this.session.run((token) => getAdminStats(token), { answered: (s) => this.renderStats(s), failed: (e) => this.failed(e) });
      },
      failed: (error) => {
        button.disabled = false;
        this.failed(error);
      },
    });
  }

  private async loadAttempts(id: string): Promise<void> {
    await this.session.run((token) => getAdminDelivery(token, id), {
      answered: (d) =>
        this.el.attempts.replaceChildren(
          table(
            `Attempts of delivery ${d.id} (${d.channel} to ${d.destination ?? "no address"})`,
            ["#", "Outcome", "Answer", "Error", "Took", "At"],
            d.attemptLog.map((a: AdminDeliveryAttempt) => [
              a.attempt,
              a.outcome,
              a.httpStatus !== null ? `HTTP ${a.httpStatus}` : (a.smtpResponse ?? ""),
              a.error ?? "",
              `${a.durationMs} ms`,
              timeElement(a.createdAt),
            ]),
          ),
        ),
      failed: (error) => this.failed(error),
    });
  }

  private eventId(): string | null {
    const id = this.el.whyEvent.value.trim();
    if (!id) {
      this.failed(new Error("Type an event id first."));
      return null;
    }
    this.el.error.hidden = true;
    return id;
  }

  private async loadDecisions(): Promise<void> {
    const id = this.eventId();
    if (id === null) return;
    await this.session.run((token) => getDecisions(token, id), {
      answered: (records) => {
        this.el.whyResult.dataset.event = id;
        this.el.whyResult.replaceChildren(
          records.length === 0
            ? h("p", { class: "empty" }, `Event ${id} had no candidates.`)
            : table(
                `Every candidate of event ${id}`,
                ["User", "Relation", "Outcome", "Channels", "Reason", ""],
                records.map((r: DecisionRecord) => [
                  r.userId,
                  r.relation,
                  r.outcome,
                  r.channels.join(", ") || "none",
                  r.reason,
                  h(
                    "button",
                    {
                      class: "text-button",
                      attrs: { type: "button", "data-explain": r.userId },
                      on: {
                        click: () => {
                          // A candidate picked from the table: explain for them.
                          this.el.whyUser.value = r.userId;
                          void this.loadExplain();
                        },
                      },
                    },
                    `Explain for ${r.userId}`,
                  ),
                ]),
              ),
        );
      },
      failed: (error) => this.failed(error),
    });
  }

  /**
   * Explain for the user in the field (blank: the admin). Below the candidates' table when it is of the same event,
   * so both stay in view; in its place otherwise.
   */
  private async loadExplain(): Promise<void> {
    const id = this.eventId();
    if (id === null) return;
    const userId = this.el.whyUser.value.trim();
    await this.session.run((token) => explain(token, id, userId || undefined), {
      answered: (r: DecisionRecord | NotARecipient) => {
        const said = h(
          "p",
          { class: "why-explain", attrs: { "data-outcome": r.outcome } },
          `For ${userId || "you"}: ${r.outcome.replace(/_/g, " ")}: ${r.reason}`,
        );
        if (this.el.whyResult.dataset.event === id) {
          this.el.whyResult.querySelector(".why-explain")?.remove();
          append(this.el.whyResult, said);
        } else {
          delete this.el.whyResult.dataset.event;
          this.el.whyResult.replaceChildren(said);
        }
      },
      failed: (error) => this.failed(error),
    });
  }
}

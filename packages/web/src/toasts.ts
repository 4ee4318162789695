import type { Notification } from "@herald/client";
import { h } from "./dom";

/** At most this many toasts at once; the oldest non-critical one makes room. */
const MAX_TOASTS = 5;

interface Live {
  readonly el: HTMLElement;
  readonly critical: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Live toasts, top right, the newest on top, coloured by category (app.css). Each closes by itself after `expireMs`
 * (0: stays until dismissed); hovering or focusing one holds it open, and leaving it gives it its full time again.
 * Critical ones are styled apart and announced as alerts, the others as status messages.
 */
export class Toasts {
  private readonly live = new Map<number, Live>();

  constructor(
    private readonly container: HTMLElement,
    private readonly onOpen: (id: number) => void,
  ) {}

  show(n: Notification, expireMs: number): void {
    // A grouped notification arriving again (its count grew): its toast is replaced, announced and timed afresh.
    this.dismiss(n.id);
    const classes = ["toast", `toast--${n.category}`];
    if (n.critical) classes.push("toast--critical");
    const el = h(
      "div",
      { class: classes.join(" "), attrs: { role: n.critical ? "alert" : "status", "data-id": String(n.id), "data-category": n.category } },
      h("span", { class: "toast-icon", attrs: { "aria-hidden": "true" } }, n.critical ? "!" : "i"),
      h(
        "button",
        {
          class: "toast-main",
          attrs: { type: "button", title: "Show in notifications", "data-control": "toast-open" },
          on: { click: () => this.open(n.id) },
        },
        h("span", { class: "toast-kicker" }, n.critical ? `Critical · ${n.type}` : n.type),
        h("strong", { class: "toast-title" }, n.title),
        n.body ? h("span", { class: "toast-body" }, n.body) : null,
      ),
      h(
        "button",
        {
          class: "toast-close",
          attrs: { type: "button", "aria-label": `Dismiss: ${n.title}`, "data-control": "toast-close" },
          on: { click: () => this.dismiss(n.id) },
        },
        "×",
      ),
    );
    const entry: Live = { el, critical: n.critical, timer: undefined };
    this.live.set(n.id, entry);
    this.container.prepend(el);
    this.makeRoom();
    if (expireMs > 0) {
      const arm = () => {
        clearTimeout(entry.timer);
        entry.timer = setTimeout(() => this.dismiss(n.id), expireMs);
      };
      // Held open while pointed at or focused (a keyboard user reading it, WCAG 2.2.1), re-armed on leaving.
      el.addEventListener("mouseenter", () => clearTimeout(entry.timer));
      el.addEventListener("mouseleave", () => el.contains(document.activeElement) || arm());
      el.addEventListener("focusin", () => clearTimeout(entry.timer));
      el.addEventListener("focusout", (event) => el.contains(event.relatedTarget as Node | null) || el.matches(":hover") || arm());
      arm();
    }
  }

  dismiss(id: number): void {
    const entry = this.live.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    entry.el.remove();
    this.live.delete(id);
  }

  clear(): void {
    for (const id of [...this.live.keys()]) this.dismiss(id);
  }

  private open(id: number): void {
    this.dismiss(id);
    this.onOpen(id);
  }

  private makeRoom(): void {
    while (this.live.size > MAX_TOASTS) {
      const victim = [...this.live.entries()].find(([, t]) => !t.critical) ?? [...this.live.entries()][0];
      if (!victim) return;
      this.dismiss(victim[0]);
    }
  }
}

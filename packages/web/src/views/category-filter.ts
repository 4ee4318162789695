import { EVENT_CATEGORIES, type NotificationCategory } from "@herald/contract";
import { h } from "../dom";

/** What the list can be narrowed to: every category a notification can have, as the gateway's list query takes them. */
export const FILTER_CATEGORIES: readonly NotificationCategory[] = [...EVENT_CATEGORIES, "digest"];

const LABELS: Record<NotificationCategory, string> = {
  job: "Jobs",
  review: "Reviews",
  system: "System",
  collaboration: "Collaboration",
  digest: "Digests",
};

/**
 * The panel's category filter: All and one toggle button per category, exactly one pressed. Buttons, not a select,
 * so each is one click and the choice is visible at a glance.
 */
export class CategoryFilter {
  private current: NotificationCategory | null = null;
  private readonly buttons = new Map<NotificationCategory | null, HTMLButtonElement>();

  constructor(
    container: HTMLElement,
    private readonly onChange: (category: NotificationCategory | null) => void,
  ) {
    for (const category of [null, ...FILTER_CATEGORIES]) {
      const button = h(
        "button",
        {
          class: `filter-button${category ? ` filter-button--${category}` : ""}`,
          attrs: { type: "button", "data-category": category ?? "all", "aria-pressed": String(category === null) },
          on: { click: () => this.select(category) },
        },
        category ? LABELS[category] : "All",
      );
      this.buttons.set(category, button);
    }
    container.replaceChildren(...this.buttons.values());
  }

  get category(): NotificationCategory | null {
    return this.current;
  }

  /** Back to All without telling anyone (signed out: the next session starts unfiltered). */
  reset(): void {
    this.mark(null);
  }

  private select(category: NotificationCategory | null): void {
    if (category === this.current) return;
    this.mark(category);
    this.onChange(category);
  }

  private mark(category: NotificationCategory | null): void {
    this.current = category;
    for (const [c, button] of this.buttons) button.setAttribute("aria-pressed", String(c === category));
  }
}

/** How the empty list reads under a filter. */
export function emptyText(category: NotificationCategory | null): string {
  return category ? `No ${LABELS[category].toLowerCase()} notifications.` : "You're all caught up: no notifications yet.";
}

import { byId } from "../dom";

/** The header's two popovers: the bell's notification panel and the settings. */
export type PopoverName = "panel" | "settings";

/**
 * At most one popover is open. Each button toggles its own; Escape, or a click anywhere outside the open one and its
 * button, closes it, and Escape puts focus back on the button that opened it.
 */
export class Popovers {
  private readonly el = {
    bell: byId<HTMLButtonElement>("bell"),
    panel: byId("panel"),
    settingsButton: byId<HTMLButtonElement>("settings-button"),
    settingsPanel: byId("settings-panel"),
  };

  constructor() {
    this.el.bell.addEventListener("click", () => this.toggle("panel"));
    this.el.settingsButton.addEventListener("click", () => this.toggle("settings"));
    document.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      const open = this.openOne();
      if (!open) return;
      // Within the popover, on its button or nowhere (a control it disabled): focus would otherwise fall to the
      // page's start.
      const active = document.activeElement;
      const hadFocus = active === null || active === document.body || open.popover.contains(active) || open.button === active;
      this.toggle(null);
      if (hadFocus) open.button.focus();
    });
    window.addEventListener("resize", () => this.placeToasts());
    // In the capture phase, before the click reaches its target: what the target's handler does next (a list
    // item redrawing itself out of the DOM, a toast opening the panel) must not make this click look like one
    // outside the popover, which closed the panel right after a click on an item or on a toast.
    document.addEventListener(
      "click",
      (event) => {
        const open = this.openOne();
        const path = event.composedPath();
        if (open && !path.includes(open.popover) && !path.includes(open.button)) this.toggle(null);
      },
      true,
    );
  }

  /** Opens `which` (and nothing else); unlike toggle, an open one stays open. */
  open(which: PopoverName): void {
    if (this.openOne()?.name !== which) this.toggle(which);
  }

  /** Opens `which`, or closes it if it is open already; the other closes either way. Null closes both. */
  toggle(which: PopoverName | null): void {
    const panelOpen = which === "panel" && this.el.panel.hidden;
    const settingsOpen = which === "settings" && this.el.settingsPanel.hidden;
    this.el.panel.hidden = !panelOpen;
    this.el.settingsPanel.hidden = !settingsOpen;
    this.el.bell.setAttribute("aria-expanded", String(panelOpen));
    this.el.settingsButton.setAttribute("aria-expanded", String(settingsOpen));
    this.placeToasts();
  }

  /**
   * The toasts (top right) step aside to the left of an open popover, which opens under its button near the top
   * right too, when there is room for them there; otherwise they stay where they are, over it. A CSS variable set
   * through the CSSOM, which the strict CSP allows (it refuses style attributes in markup, not this).
   */
  private placeToasts(): void {
    const open = this.openOne();
    const toastsWidth = 380 + 24;
    const left = open?.popover.getBoundingClientRect().left ?? 0;
    if (open && left >= toastsWidth) document.body.style.setProperty("--toasts-right", `${window.innerWidth - left + 12}px`);
    else document.body.style.removeProperty("--toasts-right");
  }

  private openOne(): { name: PopoverName; popover: HTMLElement; button: HTMLButtonElement } | undefined {
    if (!this.el.panel.hidden) return { name: "panel", popover: this.el.panel, button: this.el.bell };
    if (!this.el.settingsPanel.hidden) return { name: "settings", popover: this.el.settingsPanel, button: this.el.settingsButton };
    return undefined;
  }
}

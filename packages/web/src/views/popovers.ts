import { byId } from "../dom";

/** The header's two popovers: the bell's notification panel and the settings. */
export type PopoverName = "panel" | "settings";

/**
 * At most one popover is open. Each button toggles its own; Escape, or a click anywhere outside the open one and its
 * button, closes it.
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
      if (event.key === "Escape") this.toggle(null);
    });
    document.addEventListener("click", (event) => {
      const target = event.target as Node;
      if (!this.el.panel.hidden && !this.el.panel.contains(target) && !this.el.bell.contains(target)) this.toggle(null);
      if (!this.el.settingsPanel.hidden && !this.el.settingsPanel.contains(target) && !this.el.settingsButton.contains(target))
        this.toggle(null);
    });
  }

  /** Opens `which`, or closes it if it is open already; the other closes either way. Null closes both. */
  toggle(which: PopoverName | null): void {
    const panelOpen = which === "panel" && this.el.panel.hidden;
    const settingsOpen = which === "settings" && this.el.settingsPanel.hidden;
    this.el.panel.hidden = !panelOpen;
    this.el.settingsPanel.hidden = !settingsOpen;
    this.el.bell.setAttribute("aria-expanded", String(panelOpen));
    this.el.settingsButton.setAttribute("aria-expanded", String(settingsOpen));
  }
}

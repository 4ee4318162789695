import type { Notification as HeraldNotification } from "@herald/client";
import { byId, keepFocus, setText } from "./dom";

/** Whether this browser, for this site, shows Herald's system notifications; per device, not secret. */
const KEY = "herald.browserNotifications";

/**
 * System notifications (the Notifications API) for what arrives while the tab is hidden. Permission is asked only
 * when the person switches them on in the settings, never on load: browsers rightly bury sites that ask unprompted.
 * A visible tab shows toasts instead. Clicking one focuses the tab and opens the notification in the panel.
 */
export class BrowserNotifications {
  private readonly el = {
    toggle: byId<HTMLInputElement>("browser-notify-toggle"),
    state: byId("browser-notify-state"),
  };

  /** Switched on here (kept in localStorage, and in memory where storage is disabled). */
  private on = load() === "on";
  /** The last request was answered without permission (dismissed, or refused without blocking). */
  private refused = false;

  constructor(private readonly reveal: (id: number) => void) {
    this.el.toggle.addEventListener("change", () => void this.switchTo(this.el.toggle.checked));
    // The permission can change in the browser's settings meanwhile: the switch says what holds when the tab is back.
    document.addEventListener("visibilitychange", () => this.render());
    this.render();
  }

  /** A new (not replayed) notification: shown by the system if the tab is hidden, they are on and allowed. */
  show(n: HeraldNotification): void {
    if (document.visibilityState !== "hidden" || !this.active()) return;
    let shown: Notification;
    try {
      shown = new window.Notification(n.title, {
        body: n.body,
        // One per notification: a grouped one arriving again replaces its system notification.
        tag: `herald-${n.id}`,
        requireInteraction: n.critical,
      });
    } catch {
      // Where only a service worker may show them (Chrome on Android): the toast and the list still have it.
      return;
    }
    shown.onclick = () => {
      window.focus();
      this.reveal(n.id);
      shown.close();
    };
  }

  private active(): boolean {
    return this.on && supported() && window.Notification.permission === "granted";
  }

  private async switchTo(on: boolean): Promise<void> {
    if (!on) {
      this.remember(false);
      return this.render();
    }
    if (!supported()) return this.render();
    const refocus = keepFocus(this.el.toggle);
    this.el.toggle.disabled = true;
    try {
      const permission =
        window.Notification.permission === "default" ? await window.Notification.requestPermission() : window.Notification.permission;
      this.remember(permission === "granted");
      this.refused = permission !== "granted";
    } finally {
      this.el.toggle.disabled = false;
      this.render();
      refocus();
    }
  }

  private remember(on: boolean): void {
    this.on = on;
    save(on ? "on" : "off");
  }

  private render(): void {
    const permission = supported() ? window.Notification.permission : "unsupported";
    this.el.toggle.checked = this.active();
    this.el.toggle.disabled = permission === "unsupported";
    setText(
      this.el.state,
      permission === "unsupported"
        ? "This browser cannot show notifications."
        : permission === "denied"
          ? "Blocked for this site in the browser's settings: allow notifications there to use them."
          : this.active()
            ? "On: while this tab is hidden, new notifications also show outside it."
            : this.refused
              ? "The browser did not allow them: switch on again to be asked once more."
              : "Off: nothing shows outside this tab.",
    );
  }
}

function supported(): boolean {
  return typeof window.Notification === "function";
}

function load(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

function save(value: "on" | "off"): void {
  try {
    localStorage.setItem(KEY, value);
  } catch {
    // Storage disabled: the switch then lasts as long as the page.
  }
}

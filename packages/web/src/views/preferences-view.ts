import { append, byId, h, setText } from "../dom";
import { errorText, problemText } from "../error-text";
import { CHANNELS, SCOPES, type Channel, type PreferenceEntry, type PreferenceUpdate, type Scope } from "@herald/contract";
import { getPreferences, updatePreference } from "../gateway-api";
import type { Session } from "../session";

const CHANNEL_LABELS: Record<Channel, string> = { in_app: "In-app", email: "Email", webhook: "Webhook" };
const SCOPE_LABELS: Record<Scope, string> = { my_jobs: "My own work", my_projects: "My projects", all: "Everything" };

/**
 * Per-event-type preferences, grouped by category: on/off, channels and scope, each change saved at once. While open
 * the view takes the activity feed's place, so it shows and hides that feed too.
 */
export class PreferencesView {
  private readonly el = {
    button: byId<HTMLButtonElement>("preferences-button"),
    view: byId("preferences"),
    close: byId<HTMLButtonElement>("preferences-close"),
    error: byId("preferences-error"),
    groups: byId("preferences-groups"),
    feed: byId("activity"),
  };

  constructor(private readonly session: Session) {
    this.el.button.addEventListener("click", () => this.show(this.el.view.hidden));
    // Done hides itself: focus goes back to the button that opened the view, not to the page's start.
    this.el.close.addEventListener("click", () => {
      this.show(false);
      this.el.button.focus();
    });
  }

  /** Opens the view (loading it afresh) in the feed's place, or closes it and shows the feed. */
  show(open: boolean): void {
    this.el.view.hidden = !open;
    this.el.feed.hidden = open;
    this.el.button.setAttribute("aria-pressed", String(open));
    if (open) void this.load();
  }

  /** Signed out: neither the view nor the feed is shown. */
  hide(): void {
    this.el.feed.hidden = true;
    this.el.view.hidden = true;
  }

  /** Signed out: nothing of that user's preferences stays. */
  clear(): void {
    this.el.groups.replaceChildren();
  }

  private async load(): Promise<void> {
    await this.session.run((token) => getPreferences(token), {
      answered: (items) => {
        this.el.error.hidden = true;
        const groups = new Map<string, PreferenceEntry[]>();
        for (const item of items) groups.set(item.category, [...(groups.get(item.category) ?? []), item]);
        this.el.groups.replaceChildren(
          ...[...groups].map(([category, entries]) =>
            h(
              "section",
              { class: "pref-group", attrs: { "data-category": category } },
              h("h2", {}, category),
              h("ul", { class: "prefs" }, ...entries.map((entry) => this.renderPreference(entry))),
            ),
          ),
        );
      },
      failed: (error) => {
        setText(this.el.error, `Could not load preferences: ${errorText(error)}`);
        this.el.error.hidden = false;
      },
    });
  }

  /** One event type's row, showing `entry` as the gateway last stored (or defaulted) it. */
  private renderPreference(entry: PreferenceEntry, error?: string): HTMLLIElement {
    const classes = ["pref"];
    if (!entry.enabled) classes.push("pref--off");
    if (entry.channels.length === 0) classes.push("pref--muted");
    const row = h("li", {
      class: classes.join(" "),
      attrs: { "data-event-type": entry.eventType, "data-default": String(entry.isDefault) },
    });
    const save = (control: string, update: PreferenceUpdate) => void this.savePreference(row, entry, control, update);

    const enabled = h("input", { attrs: { type: "checkbox", "data-control": "enabled", "aria-label": `Notify me of ${entry.eventType}` } });
    enabled.checked = entry.enabled;
    // The gateway refuses to switch off a type the organization requires (409): say so instead of offering it.
    enabled.disabled = entry.required === true;
    enabled.addEventListener("change", () => save("enabled", { enabled: enabled.checked }));

    const boxes = CHANNELS.map((channel) => {
      const box = h("input", { attrs: { type: "checkbox", value: channel, "data-control": `channel-${channel}` } });
      box.checked = entry.channels.includes(channel);
      return box;
    });
    for (const box of boxes) {
      box.addEventListener("change", () => save(`channel-${box.value}`, { channels: CHANNELS.filter((_, i) => boxes[i]!.checked) }));
    }
    // Nor may its last channel go (that would mute it): the one box left ticked is locked too.
    if (entry.required && entry.channels.length === 1) for (const box of boxes) box.disabled = box.checked;

    const scope = h(
      "select",
      { attrs: { "data-control": "scope", "aria-label": `Whose ${entry.eventType} events` } },
      ...SCOPES.map((value) => h("option", { attrs: { value } }, SCOPE_LABELS[value])),
    );
    scope.value = entry.scope;
    scope.addEventListener("change", () => save("scope", { scope: scope.value as Scope }));

    append(
      row,
      h(
        "span",
        { class: "pref-name" },
        h("span", { class: "pref-type" }, entry.eventType),
        entry.critical ? h("span", { class: "chip chip--critical" }, "critical") : null,
        entry.required ? h("span", { class: "chip chip--locked" }, "required") : null,
        entry.required
          ? h("span", { class: "pref-reason" }, "Your organization requires this type: it cannot be switched off or muted")
          : null,
        entry.enabled && entry.channels.length === 0 ? h("span", { class: "chip" }, "muted") : null,
      ),
      h(
        "label",
        { class: "switch" },
        enabled,
        h("span", { class: "switch-track", attrs: { "aria-hidden": "true" } }),
        h("span", {}, entry.enabled ? "On" : "Off"),
      ),
      h(
        "fieldset",
        { class: "pref-channels", attrs: { "aria-label": `Channels for ${entry.eventType}` } },
        ...CHANNELS.map((channel, i) => h("label", {}, boxes[i]!, CHANNEL_LABELS[channel])),
      ),
      scope,
      error ? h("p", { class: "error", attrs: { role: "alert" } }, error) : null,
    );
    return row;
  }

  /** Saves one change at once; the row then shows what the gateway stored, or on a refusal its message and the old value. */
  private async savePreference(row: HTMLLIElement, entry: PreferenceEntry, control: string, update: PreferenceUpdate): Promise<void> {
    if (!this.session.current()) return;
    row.classList.add("pref--saving");
    for (const input of row.querySelectorAll<HTMLInputElement | HTMLSelectElement>("input, select")) input.disabled = true;
    await this.session.run((token) => updatePreference(token, entry.eventType, update), {
      answered: (stored) => this.replaceRow(row, this.renderPreference(stored), control),
      failed: (error) => this.replaceRow(row, this.renderPreference(entry, `Could not save: ${problemText(error)}`), control),
    });
  }

  /** Puts the redrawn row in, focus back on the control that changed; unless the list was redrawn meanwhile. */
  private replaceRow(row: HTMLLIElement, next: HTMLLIElement, control: string): void {
    if (!row.isConnected) return;
    row.replaceWith(next);
    next.querySelector<HTMLElement>(`[data-control="${control}"]`)?.focus({ preventScroll: true });
  }
}

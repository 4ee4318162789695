import { createHeraldClient, HeraldClientError, tokenExpiry, type ConnectionStatus, type HeraldClient, type Notification } from "@herald/client";
import { append, byId, h, setText, timeElement } from "./dom";
import {
  ApiError,
  CHANNELS,
  dndActive,
  eventHistory,
  getPreferences,
  getSettings,
  SCOPES,
  updatePreference,
  updateSettings,
  type Channel,
  type HistoryEvent,
  type PreferenceEntry,
  type PreferenceUpdate,
  type Scope,
  type Settings,
  type SettingsUpdate,
} from "./gateway-api";
import { entryFromItem, entryFromPush, NotificationStore, type Entry } from "./notification-store";
import { toastExpiryMs } from "./toast-timing";
import { Toasts } from "./toasts";
import { clearToken, loadToken, looksLikeJwt, saveToken } from "./token-store";

const PAGE_SIZE = 20;
/** Connection refusals that a new token, not a retry, fixes: back to the sign-in form. */
const TOKEN_ERRORS = new Set(["token_missing", "token_invalid", "token_expired", "subject_mismatch"]);

const CHANNEL_LABELS: Record<Channel, string> = { in_app: "In-app", email: "Email", webhook: "Webhook" };
const SCOPE_LABELS: Record<Scope, string> = { my_jobs: "My own work", my_projects: "My projects", all: "Everything" };

const STATUS_TEXT: Record<ConnectionStatus, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  stopped: "Disconnected",
};

/** The token's claims, read without verifying, for display only (the gateway verifies it). */
function claimsOf(token: string): { sub?: string; role?: string } {
  try {
    const part = token.split(".")[1] ?? "";
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
    const claims = JSON.parse(json) as Record<string, unknown>;
    return { sub: typeof claims.sub === "string" ? claims.sub : undefined, role: typeof claims.role === "string" ? claims.role : undefined };
  } catch {
    return {};
  }
}

function errorText(error: unknown): string {
  if (error instanceof HeraldClientError || error instanceof ApiError) return `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}

/** A refused change in the gateway's words: its message, then what it said of each field. */
function problemText(error: unknown): string {
  if (error instanceof ApiError && error.details.length > 0) return `${error.message} — ${error.details.map((d) => `${d.path}: ${d.message}`).join("; ")}`;
  return error instanceof ApiError ? error.message : errorText(error);
}

class App {
  private client: HeraldClient | null = null;
  private token: string | null = null;
  private readonly store = new NotificationStore();
  private readonly toasts: Toasts;
  private unread = 0;
  private settings: Settings | null = null;
  private dndTimer: ReturnType<typeof setTimeout> | undefined;
  private activityCursor: string | null | undefined;
  private activityTimer: ReturnType<typeof setTimeout> | undefined;
  private loadingPage = false;

  private readonly el = {
    login: byId("login"),
    loginForm: byId<HTMLFormElement>("login-form"),
    tokenInput: byId<HTMLTextAreaElement>("token-input"),
    loginError: byId("login-error"),
    session: byId("session"),
    whoami: byId("whoami"),
    status: byId("status"),
    dndIndicator: byId("dnd-indicator"),
    bell: byId<HTMLButtonElement>("bell"),
    badge: byId("badge"),
    panel: byId("panel"),
    list: byId<HTMLUListElement>("list"),
    listEmpty: byId("list-empty"),
    listError: byId("list-error"),
    loadMore: byId<HTMLButtonElement>("load-more"),
    markAllRead: byId<HTMLButtonElement>("mark-all-read"),
    settingsButton: byId<HTMLButtonElement>("settings-button"),
    settingsPanel: byId("settings-panel"),
    dndToggle: byId<HTMLInputElement>("dnd-toggle"),
    dndDuration: byId<HTMLSelectElement>("dnd-duration"),
    dndState: byId("dnd-state"),
    settingsError: byId("settings-error"),
    digestToggle: byId<HTMLInputElement>("digest-toggle"),
    digestInterval: byId<HTMLSelectElement>("digest-interval"),
    deliveryForm: byId<HTMLFormElement>("delivery-form"),
    emailInput: byId<HTMLInputElement>("email-input"),
    webhookInput: byId<HTMLInputElement>("webhook-input"),
    webhookState: byId("webhook-state"),
    webhookSecretBox: byId("webhook-secret-box"),
    webhookSecret: byId<HTMLInputElement>("webhook-secret"),
    deliveryError: byId("delivery-error"),
    deliverySave: byId<HTMLButtonElement>("delivery-save"),
    preferencesButton: byId<HTMLButtonElement>("preferences-button"),
    preferences: byId("preferences"),
    preferencesClose: byId<HTMLButtonElement>("preferences-close"),
    preferencesError: byId("preferences-error"),
    preferencesGroups: byId("preferences-groups"),
    signOut: byId<HTMLButtonElement>("sign-out"),
    activity: byId("activity"),
    activityList: byId<HTMLOListElement>("activity-list"),
    activityEmpty: byId("activity-empty"),
    activityMore: byId<HTMLButtonElement>("activity-more"),
    activityRefresh: byId<HTMLButtonElement>("activity-refresh"),
    toasts: byId("toasts"),
  };

  constructor() {
    this.toasts = new Toasts(this.el.toasts, (id) => this.reveal(id));
    this.el.loginForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const token = this.el.tokenInput.value.trim();
      this.el.tokenInput.value = "";
      this.signIn(token);
    });
    this.el.signOut.addEventListener("click", () => this.signOut());
    this.el.bell.addEventListener("click", () => this.togglePopover("panel"));
    this.el.settingsButton.addEventListener("click", () => this.togglePopover("settings"));
    this.el.loadMore.addEventListener("click", () => void this.loadPage());
    this.el.markAllRead.addEventListener("click", () => void this.markAllRead());
    this.el.dndToggle.addEventListener("change", () => void this.saveDnd(this.el.dndToggle.checked));
    this.el.digestToggle.addEventListener("change", () => void this.saveDigest({ digestEnabled: this.el.digestToggle.checked }));
    this.el.digestInterval.addEventListener("change", () => void this.saveDigest({ digestInterval: this.el.digestInterval.value === "hourly" ? "hourly" : "daily" }));
    this.el.deliveryForm.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.saveDelivery();
    });
    this.el.webhookSecret.addEventListener("focus", () => this.el.webhookSecret.select());
    this.el.preferencesButton.addEventListener("click", () => this.showPreferences(this.el.preferences.hidden));
    this.el.preferencesClose.addEventListener("click", () => this.showPreferences(false));
    this.el.activityMore.addEventListener("click", () => void this.loadActivity(false));
    this.el.activityRefresh.addEventListener("click", () => void this.loadActivity(true));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.togglePopover(null);
    });
    document.addEventListener("click", (event) => {
      const target = event.target as Node;
      if (!this.el.panel.hidden && !this.el.panel.contains(target) && !this.el.bell.contains(target)) this.togglePopover(null);
      if (!this.el.settingsPanel.hidden && !this.el.settingsPanel.contains(target) && !this.el.settingsButton.contains(target)) this.togglePopover(null);
    });

    const saved = loadToken();
    if (saved) this.signIn(saved);
    else this.showLogin();
  }

  // --- session -----------------------------------------------------------

  private showLogin(error?: string): void {
    this.el.session.hidden = true;
    this.el.activity.hidden = true;
    this.el.preferences.hidden = true;
    this.el.login.hidden = false;
    this.el.loginError.hidden = !error;
    setText(this.el.loginError, error ?? "");
    document.title = "Herald";
    this.el.tokenInput.focus();
  }

  private signIn(token: string): void {
    if (!looksLikeJwt(token)) return this.showLogin("That does not look like a token: paste the whole JWT (three parts separated by dots).");
    const exp = tokenExpiry(token);
    if (exp !== undefined && exp * 1000 <= Date.now()) {
      clearToken();
      return this.showLogin("That token has expired: mint a fresh one.");
    }
    saveToken(token);
    this.token = token;
    const { sub, role } = claimsOf(token);
    setText(this.el.whoami, sub ? `${sub}${role === "admin" ? " (admin)" : ""}` : "");
    this.el.login.hidden = true;
    this.el.session.hidden = false;
    this.showPreferences(false);
    this.setUnread(0);
    this.renderStatus("connecting");

    const client = createHeraldClient({
      url: window.location.origin,
      token,
      onNotification: (n, { replayed }) => this.onNotification(n, replayed),
      onUnreadCount: (count) => this.setUnread(count),
      onCaughtUp: ({ truncated }) => {
        if (truncated) void this.loadPage(true);
      },
      onStatus: (status) => this.renderStatus(status),
      onError: (error) => this.onClientError(error),
    });
    this.client = client;
    // Load the list, settings and activity once the gateway has accepted the token (no burst of
    // 401s for a bad one), or after a few seconds regardless: where WebSockets cannot get through,
    // the REST list still works.
    let loaded = false;
    const loadAll = () => {
      if (loaded || client !== this.client) return;
      loaded = true;
      void this.loadPage(true);
      void this.loadSettings();
      void this.loadActivity(true);
    };
    client.ready().then(loadAll, () => undefined);
    setTimeout(loadAll, 3_000);
  }

  private signOut(message?: string): void {
    this.client?.close();
    this.client = null;
    this.token = null;
    clearToken();
    this.store.clear();
    this.toasts.clear();
    this.settings = null;
    clearTimeout(this.dndTimer);
    clearTimeout(this.activityTimer);
    this.activityCursor = undefined;
    this.el.list.replaceChildren();
    this.el.activityList.replaceChildren();
    this.el.preferencesGroups.replaceChildren();
    this.el.emailInput.value = "";
    this.el.webhookInput.value = "";
    this.showWebhookSecret(undefined);
    this.el.deliveryError.hidden = true;
    this.togglePopover(null);
    this.showLogin(message);
  }

  private onClientError(error: HeraldClientError): void {
    if (TOKEN_ERRORS.has(error.code)) {
      this.signOut(`The gateway refused this token (${error.code}): paste a valid one.`);
      return;
    }
    this.el.status.title = errorText(error);
  }

  private renderStatus(status: ConnectionStatus): void {
    this.el.status.dataset.status = status;
    setText(this.el.status, STATUS_TEXT[status]);
    if (status === "live") this.el.status.title = "";
  }

  // --- notifications -----------------------------------------------------

  private onNotification(n: Notification, replayed: boolean): void {
    this.store.upsert(entryFromPush(n));
    this.renderList();
    // Missed while disconnected: into the list, not a burst of toasts.
    if (!replayed) this.toasts.show(n, toastExpiryMs(this.client?.toastConfig ?? null, n.category));
    this.scheduleActivityRefresh();
  }

  private setUnread(count: number): void {
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

  private async loadPage(first = false): Promise<void> {
    const client = this.client;
    if (!client || this.loadingPage) return;
    if (!first && !this.store.nextCursor) return;
    this.loadingPage = true;
    this.el.loadMore.disabled = true;
    try {
      const page = await client.list({ limit: PAGE_SIZE, cursor: first ? undefined : (this.store.nextCursor ?? undefined) });
      if (client !== this.client) return;
      for (const item of page.items) this.store.upsert(entryFromItem(item));
      // A reload of the first page keeps any older pages already shown.
      if (!first || this.store.nextCursor === undefined) this.store.nextCursor = page.nextCursor;
      this.el.listError.hidden = true;
    } catch (error) {
      if (client !== this.client) return;
      setText(this.el.listError, `Could not load notifications: ${errorText(error)}`);
      this.el.listError.hidden = false;
    } finally {
      this.loadingPage = false;
      this.el.loadMore.disabled = false;
    }
    this.renderList();
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
          h("span", { class: "item-meta" }, e.critical ? h("span", { class: "chip chip--critical" }, "critical") : null, h("span", { class: "chip" }, e.category), " ", timeElement(e.createdAt)),
        ),
      ),
    );
  }

  private async markRead(id: number): Promise<void> {
    const entry = this.store.get(id);
    const client = this.client;
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
    const client = this.client;
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

  /** A toast was clicked: open the panel at its notification. */
  private reveal(id: number): void {
    this.togglePopover("panel");
    const item = this.el.list.querySelector<HTMLElement>(`li[data-id="${id}"] button`);
    item?.focus();
    item?.scrollIntoView({ block: "nearest" });
  }

  private togglePopover(which: "panel" | "settings" | null): void {
    const panelOpen = which === "panel" && this.el.panel.hidden;
    const settingsOpen = which === "settings" && this.el.settingsPanel.hidden;
    this.el.panel.hidden = !panelOpen;
    this.el.settingsPanel.hidden = !settingsOpen;
    this.el.bell.setAttribute("aria-expanded", String(panelOpen));
    this.el.settingsButton.setAttribute("aria-expanded", String(settingsOpen));
  }

  // --- settings ----------------------------------------------------------

  private async loadSettings(): Promise<void> {
    const token = this.token;
    if (!token) return;
    try {
      const settings = await getSettings(token);
      if (token !== this.token) return;
      this.renderSettings(settings);
      this.renderDelivery(settings);
    } catch (error) {
      if (token !== this.token) return;
      setText(this.el.settingsError, `Could not load settings: ${errorText(error)}`);
      this.el.settingsError.hidden = false;
    }
  }

  private async saveDnd(on: boolean): Promise<void> {
    const token = this.token;
    if (!token) return;
    const forMs = Number(this.el.dndDuration.value);
    const update = on ? { dndEnabled: true, dndUntil: forMs > 0 ? new Date(Date.now() + forMs).toISOString() : null } : { dndEnabled: false, dndUntil: null };
    this.el.dndToggle.disabled = true;
    this.el.dndDuration.disabled = true;
    try {
      // Switching it off makes the gateway release what DND held: it arrives as notifications.
      const settings = await updateSettings(token, update);
      if (token === this.token) this.renderSettings(settings);
    } catch (error) {
      if (token !== this.token) return;
      this.el.dndToggle.checked = !on;
      setText(this.el.settingsError, `Could not save: ${errorText(error)}`);
      this.el.settingsError.hidden = false;
    } finally {
      this.el.dndToggle.disabled = false;
      this.el.dndDuration.disabled = this.el.dndToggle.checked;
    }
  }

  private async saveDigest(update: Pick<SettingsUpdate, "digestEnabled" | "digestInterval">): Promise<void> {
    const token = this.token;
    if (!token) return;
    this.el.digestToggle.disabled = true;
    this.el.digestInterval.disabled = true;
    try {
      const settings = await updateSettings(token, update);
      if (token === this.token) this.renderSettings(settings);
    } catch (error) {
      if (token !== this.token) return;
      // Back to what the gateway last said.
      if (this.settings) this.renderSettings(this.settings);
      setText(this.el.settingsError, `Could not save: ${problemText(error)}`);
      this.el.settingsError.hidden = false;
    } finally {
      this.el.digestToggle.disabled = false;
      this.el.digestInterval.disabled = false;
    }
  }

  /** Email and webhook URL, saved together; a new webhook URL answers its signing secret, once. */
  private async saveDelivery(): Promise<void> {
    const token = this.token;
    if (!token) return;
    const email = this.el.emailInput.value.trim();
    const webhookUrl = this.el.webhookInput.value.trim();
    this.el.deliverySave.disabled = true;
    this.el.deliveryError.hidden = true;
    this.showWebhookSecret(undefined);
    try {
      const settings = await updateSettings(token, { email: email || null, webhookUrl: webhookUrl || null });
      if (token !== this.token) return;
      this.renderSettings(settings);
      this.renderDelivery(settings);
      this.showWebhookSecret(settings.webhookSecret);
    } catch (error) {
      if (token !== this.token) return;
      // The fields keep what was typed, to be corrected.
      setText(this.el.deliveryError, `Could not save: ${problemText(error)}`);
      this.el.deliveryError.hidden = false;
    } finally {
      this.el.deliverySave.disabled = false;
    }
  }

  private renderDelivery(settings: Settings): void {
    this.el.emailInput.value = settings.email ?? "";
    this.el.webhookInput.value = settings.webhookUrl ?? "";
  }

  private showWebhookSecret(secret: string | undefined): void {
    this.el.webhookSecret.value = secret ?? "";
    this.el.webhookSecretBox.hidden = !secret;
  }

  private renderSettings(settings: Settings): void {
    this.settings = settings;
    this.el.digestToggle.checked = settings.digestEnabled;
    this.el.digestInterval.value = settings.digestInterval;
    this.el.webhookState.hidden = !(settings.webhookUrl && settings.webhookSecretSet);
    clearTimeout(this.dndTimer);
    const active = dndActive(settings);
    this.el.dndToggle.checked = active;
    this.el.dndDuration.disabled = active;
    this.el.settingsError.hidden = true;
    this.el.dndIndicator.hidden = !active;
    this.el.bell.classList.toggle("bell--dnd", active);
    if (!active) {
      setText(this.el.dndState, "Off: notifications pop up as they arrive.");
      return;
    }
    const until = settings.dndUntil ? new Date(settings.dndUntil) : null;
    setText(
      this.el.dndState,
      until
        ? `On until ${until.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}. Critical alerts still come through; the rest arrive when it ends.`
        : "On until you turn it off. Critical alerts still come through; the rest arrive when it ends.",
    );
    setText(this.el.dndIndicator, until ? `Do not disturb until ${until.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}` : "Do not disturb");
    if (until) this.dndTimer = setTimeout(() => this.settings && this.renderSettings(this.settings), Math.max(0, until.getTime() - Date.now()) + 500);
  }

  // --- preferences -------------------------------------------------------

  /** The preferences view takes the activity feed's place while open. */
  private showPreferences(show: boolean): void {
    this.el.preferences.hidden = !show;
    this.el.activity.hidden = show;
    this.el.preferencesButton.setAttribute("aria-pressed", String(show));
    if (show) void this.loadPreferences();
  }

  private async loadPreferences(): Promise<void> {
    const token = this.token;
    if (!token) return;
    try {
      const items = await getPreferences(token);
      if (token !== this.token) return;
      this.el.preferencesError.hidden = true;
      const groups = new Map<string, PreferenceEntry[]>();
      for (const item of items) groups.set(item.category, [...(groups.get(item.category) ?? []), item]);
      this.el.preferencesGroups.replaceChildren(
        ...[...groups].map(([category, entries]) =>
          h(
            "section",
            { class: "pref-group", attrs: { "data-category": category } },
            h("h2", {}, category),
            h("ul", { class: "prefs" }, ...entries.map((entry) => this.renderPreference(entry))),
          ),
        ),
      );
    } catch (error) {
      if (token !== this.token) return;
      setText(this.el.preferencesError, `Could not load preferences: ${errorText(error)}`);
      this.el.preferencesError.hidden = false;
    }
  }

  /** One event type's row, showing `entry` as the gateway last stored (or defaulted) it. */
  private renderPreference(entry: PreferenceEntry, error?: string): HTMLLIElement {
    const classes = ["pref"];
    if (!entry.enabled) classes.push("pref--off");
    if (entry.channels.length === 0) classes.push("pref--muted");
    const row = h("li", { class: classes.join(" "), attrs: { "data-event-type": entry.eventType, "data-default": String(entry.isDefault) } });
    const save = (control: string, update: PreferenceUpdate) => void this.savePreference(row, entry, control, update);

    const enabled = h("input", { attrs: { type: "checkbox", "data-control": "enabled", "aria-label": `Notify me of ${entry.eventType}` } });
    enabled.checked = entry.enabled;
    enabled.addEventListener("change", () => save("enabled", { enabled: enabled.checked }));

    const boxes = CHANNELS.map((channel) => {
      const box = h("input", { attrs: { type: "checkbox", value: channel, "data-control": `channel-${channel}` } });
      box.checked = entry.channels.includes(channel);
      return box;
    });
    for (const box of boxes) {
      box.addEventListener("change", () => save(`channel-${box.value}`, { channels: CHANNELS.filter((_, i) => boxes[i]!.checked) }));
    }

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
        entry.enabled && entry.channels.length === 0 ? h("span", { class: "chip" }, "muted") : null,
      ),
      h("label", { class: "switch" }, enabled, h("span", { class: "switch-track", attrs: { "aria-hidden": "true" } }), h("span", {}, entry.enabled ? "On" : "Off")),
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
    const token = this.token;
    if (!token) return;
    row.classList.add("pref--saving");
    for (const input of row.querySelectorAll<HTMLInputElement | HTMLSelectElement>("input, select")) input.disabled = true;
    let next: HTMLLIElement;
    try {
      next = this.renderPreference(await updatePreference(token, entry.eventType, update));
    } catch (error) {
      next = this.renderPreference(entry, `Could not save: ${problemText(error)}`);
    }
    if (token !== this.token || !row.isConnected) return;
    row.replaceWith(next);
    next.querySelector<HTMLElement>(`[data-control="${control}"]`)?.focus({ preventScroll: true });
  }

  // --- activity ----------------------------------------------------------

  private scheduleActivityRefresh(): void {
    clearTimeout(this.activityTimer);
    this.activityTimer = setTimeout(() => void this.loadActivity(true), 500);
  }

  private async loadActivity(reset: boolean): Promise<void> {
    const token = this.token;
    if (!token) return;
    if (!reset && !this.activityCursor) return;
    try {
      const page = await eventHistory(token, reset ? undefined : (this.activityCursor ?? undefined));
      if (token !== this.token) return;
      const rows = page.items.map((event) => this.renderEvent(event));
      if (reset) this.el.activityList.replaceChildren(...rows);
      else append(this.el.activityList, ...rows);
      this.activityCursor = page.nextCursor;
    } catch (error) {
      if (token !== this.token) return;
      if (reset) this.el.activityList.replaceChildren(h("li", { class: "error" }, `Could not load activity: ${errorText(error)}`));
    }
    this.el.activityEmpty.hidden = this.el.activityList.childElementCount > 0;
    this.el.activityMore.hidden = !this.activityCursor;
  }

  private renderEvent(event: HistoryEvent): HTMLLIElement {
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
      h("span", { class: "event-action" }, h("span", { class: "event-verb" }, action), subject ? h("span", { class: "event-subject" }, subject) : null),
      h("span", { class: "event-details" }, details.join(" · ")),
      timeElement(event.occurredAt),
    );
  }
}

/** What an event is about, in the producer's words (as the router titles notifications); shown as text. */
function subjectOf(event: HistoryEvent): string | undefined {
  const payload = (event.payload ?? {}) as Record<string, unknown>;
  for (const key of ["jobName", "name", "title", "host"]) {
    const value = payload[key];
    if (typeof value === "string" && value.trim()) return value.trim().slice(0, 200);
  }
  return undefined;
}

new App();

import { append, byId, h, keepFocus, setText } from "../dom";
import { errorText, problemText } from "../error-text";
import type { SettingsUpdate, UserSettings } from "@herald/contract";
import { dndActive, getSettings, updateSettings } from "../gateway-api";
import type { Session } from "../session";
import { browserTimeZone, timeZoneNames } from "../time-zones";
import { fromLocalInput, localInputValue, untilText } from "../until-text";

/** The duration select's option for an end time the person picks. */
const PICKED = "until";
/** The longest delay setTimeout takes; a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What the digest controls save: each one alone, the moment it changes. */
type DigestUpdate = Pick<SettingsUpdate, "digestEnabled" | "digestInterval" | "digestAt" | "timezone">;

/**
 * The settings popover: do-not-disturb (also shown on the bell and in the header), the digest (with the local time a
 * daily one arrives at, and the time zone that time is read in), and the email and webhook addresses. Each change is saved at once and the view then shows what the gateway stored.
 */
export class SettingsView {
  /** What the gateway last said: put back when a change is refused, and redrawn when a timed DND ends. */
  private settings: UserSettings | null = null;
  private dndTimer: ReturnType<typeof setTimeout> | undefined;

  private readonly el = {
    bell: byId<HTMLButtonElement>("bell"),
    dndIndicator: byId("dnd-indicator"),
    dndToggle: byId<HTMLInputElement>("dnd-toggle"),
    dndDuration: byId<HTMLSelectElement>("dnd-duration"),
    dndUntilField: byId("dnd-until-field"),
    dndUntil: byId<HTMLInputElement>("dnd-until"),
    dndState: byId("dnd-state"),
    settingsError: byId("settings-error"),
    digestToggle: byId<HTMLInputElement>("digest-toggle"),
    digestInterval: byId<HTMLSelectElement>("digest-interval"),
    digestAtField: byId("digest-at-field"),
    digestAt: byId<HTMLInputElement>("digest-at"),
    timezone: byId<HTMLInputElement>("timezone-input"),
    timezoneList: byId<HTMLDataListElement>("timezone-list"),
    timezoneBrowser: byId<HTMLButtonElement>("timezone-browser"),
    deliveryForm: byId<HTMLFormElement>("delivery-form"),
    emailInput: byId<HTMLInputElement>("email-input"),
    webhookInput: byId<HTMLInputElement>("webhook-input"),
    webhookState: byId("webhook-state"),
    webhookSecretBox: byId("webhook-secret-box"),
    webhookSecret: byId<HTMLInputElement>("webhook-secret"),
    deliveryError: byId("delivery-error"),
    deliverySave: byId<HTMLButtonElement>("delivery-save"),
  };

  constructor(private readonly session: Session) {
    this.el.dndToggle.addEventListener("change", () => void this.saveDnd(this.el.dndToggle.checked));
    this.el.dndDuration.addEventListener("change", () => this.showPicker());
    this.el.digestToggle.addEventListener("change", () => void this.saveDigest({ digestEnabled: this.el.digestToggle.checked }));
    this.el.digestInterval.addEventListener(
      "change",
      () => void this.saveDigest({ digestInterval: this.el.digestInterval.value === "hourly" ? "hourly" : "daily" }),
    );
    // Empty: no fixed time, a day after the last one.
    this.el.digestAt.addEventListener("change", () => void this.saveDigest({ digestAt: this.el.digestAt.value || null }));
    // Typed or picked from the list; the gateway decides whether it is a zone (400 otherwise, shown here).
    append(this.el.timezoneList, ...timeZoneNames().map((zone) => h("option", { attrs: { value: zone } })));
    this.el.timezone.addEventListener("change", () => {
      const zone = this.el.timezone.value.trim();
      if (zone !== this.settings?.timezone) void this.saveDigest({ timezone: zone });
    });
    this.el.timezoneBrowser.addEventListener("click", () => {
      const zone = browserTimeZone();
      if (zone) void this.saveDigest({ timezone: zone });
    });
    this.el.deliveryForm.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.saveDelivery();
    });
    this.el.webhookSecret.addEventListener("focus", () => this.el.webhookSecret.select());
  }

  async load(): Promise<void> {
    await this.session.run((token) => getSettings(token), {
      answered: (settings) => {
        this.render(settings);
        this.renderDelivery(settings);
      },
      failed: (error) => {
        setText(this.el.settingsError, `Could not load settings: ${errorText(error)}`);
        this.el.settingsError.hidden = false;
      },
    });
  }

  /** Signed out: the addresses, the time zone and a secret still on show go; the rest is redrawn at the next sign-in. */
  clear(): void {
    this.settings = null;
    clearTimeout(this.dndTimer);
    this.el.dndDuration.value = "0";
    this.el.dndUntil.value = "";
    this.el.dndUntilField.hidden = true;
    this.el.emailInput.value = "";
    this.el.webhookInput.value = "";
    this.el.digestAt.value = "";
    this.el.timezone.value = "";
    this.showWebhookSecret(undefined);
    this.el.deliveryError.hidden = true;
  }

  /** "until a time I pick" shows the date and time input, first filled in with an hour from now. */
  private showPicker(): void {
    const picking = this.el.dndDuration.value === PICKED;
    this.el.dndUntilField.hidden = !picking;
    const now = new Date();
    this.el.dndUntil.min = localInputValue(now);
    if (picking && !fromLocalInput(this.el.dndUntil.value)) this.el.dndUntil.value = localInputValue(new Date(now.getTime() + 3_600_000));
  }

  /** The end DND is to be switched on with: none (until turned off), a preset's, or the one picked; or why not. */
  private dndEnd(): { until: string | null } | { problem: string } {
    if (this.el.dndDuration.value !== PICKED) {
      const forMs = Number(this.el.dndDuration.value);
      return { until: forMs > 0 ? new Date(Date.now() + forMs).toISOString() : null };
    }
    const picked = fromLocalInput(this.el.dndUntil.value);
    if (!picked) return { problem: "Pick the date and time do-not-disturb should end." };
    if (picked.getTime() <= Date.now()) return { problem: `${untilText(picked)} has passed: pick a time in the future.` };
    return { until: picked.toISOString() };
  }

  private async saveDnd(on: boolean): Promise<void> {
    if (!this.session.current()) return;
    let update: SettingsUpdate = { dndEnabled: false, dndUntil: null };
    if (on) {
      const end = this.dndEnd();
      if ("problem" in end) {
        // Nothing is sent: the switch goes back off and says why.
        this.el.dndToggle.checked = false;
        setText(this.el.settingsError, end.problem);
        this.el.settingsError.hidden = false;
        this.el.dndUntil.focus();
        return;
      }
      update = { dndEnabled: true, dndUntil: end.until };
    }
    const refocus = keepFocus(this.el.dndToggle, this.el.dndDuration, this.el.dndUntil);
    this.el.dndToggle.disabled = true;
    this.el.dndDuration.disabled = true;
    this.el.dndUntil.disabled = true;
    try {
      // Switching it off makes the gateway release what DND held: it arrives as notifications.
      await this.session.run((token) => updateSettings(token, update), {
        answered: (settings) => this.render(settings),
        failed: (error) => {
          this.el.dndToggle.checked = !on;
          setText(this.el.settingsError, `Could not save: ${errorText(error)}`);
          this.el.settingsError.hidden = false;
        },
      });
    } finally {
      this.el.dndToggle.disabled = false;
      this.el.dndDuration.disabled = this.el.dndToggle.checked;
      this.el.dndUntil.disabled = this.el.dndToggle.checked;
      refocus();
    }
  }

  private async saveDigest(update: DigestUpdate): Promise<void> {
    if (!this.session.current()) return;
    const controls = [this.el.digestToggle, this.el.digestInterval, this.el.digestAt, this.el.timezone, this.el.timezoneBrowser];
    const refocus = keepFocus(...controls);
    for (const control of controls) control.disabled = true;
    try {
      await this.session.run((token) => updateSettings(token, update), {
        answered: (settings) => this.render(settings),
        failed: (error) => {
          // Back to what the gateway last said.
          if (this.settings) this.render(this.settings);
          setText(this.el.settingsError, `Could not save: ${problemText(error)}`);
          this.el.settingsError.hidden = false;
        },
      });
    } finally {
      for (const control of controls) control.disabled = false;
      refocus();
    }
  }

  /** Email and webhook URL, saved together; a new webhook URL answers its signing secret, once. */
  private async saveDelivery(): Promise<void> {
    if (!this.session.current()) return;
    const email = this.el.emailInput.value.trim();
    const webhookUrl = this.el.webhookInput.value.trim();
    const refocus = keepFocus(this.el.deliverySave);
    this.el.deliverySave.disabled = true;
    this.el.deliveryError.hidden = true;
    this.showWebhookSecret(undefined);
    try {
      await this.session.run((token) => updateSettings(token, { email: email || null, webhookUrl: webhookUrl || null }), {
        answered: (settings) => {
          this.render(settings);
          this.renderDelivery(settings);
          this.showWebhookSecret(settings.webhookSecret);
        },
        failed: (error) => {
          // The fields keep what was typed, to be corrected.
          setText(this.el.deliveryError, `Could not save: ${problemText(error)}`);
          this.el.deliveryError.hidden = false;
        },
      });
    } finally {
      this.el.deliverySave.disabled = false;
      refocus();
    }
  }

  private renderDelivery(settings: UserSettings): void {
    this.el.emailInput.value = settings.email ?? "";
    this.el.webhookInput.value = settings.webhookUrl ?? "";
  }

  private showWebhookSecret(secret: string | undefined): void {
    this.el.webhookSecret.value = secret ?? "";
    this.el.webhookSecretBox.hidden = !secret;
  }

  private render(settings: UserSettings): void {
    this.settings = settings;
    this.el.digestToggle.checked = settings.digestEnabled;
    this.el.digestInterval.value = settings.digestInterval;
    // The time of day is for daily digests only: an hourly one comes every hour whatever it says.
    this.el.digestAtField.hidden = settings.digestInterval !== "daily";
    this.el.digestAt.value = settings.digestAt ?? "";
    this.el.timezone.value = settings.timezone;
    const browserZone = browserTimeZone();
    this.el.timezoneBrowser.hidden = browserZone === null || browserZone === settings.timezone;
    setText(this.el.timezoneBrowser, `Use this browser's time zone (${browserZone ?? ""})`);
    this.el.webhookState.hidden = !(settings.webhookUrl && settings.webhookSecretSet);
    clearTimeout(this.dndTimer);
    const active = dndActive(settings);
    this.el.dndToggle.checked = active;
    this.el.dndDuration.disabled = active;
    this.el.dndUntil.disabled = active;
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
        ? `On until ${untilText(until)}. Critical alerts still come through; the rest arrive when it ends.`
        : "On until you turn it off. Critical alerts still come through; the rest arrive when it ends.",
    );
    setText(this.el.dndIndicator, until ? `Do not disturb until ${untilText(until)}` : "Do not disturb");
    // The end it has, whether picked or a preset's, in the picker: what is stored, shown as it will be kept.
    if (until) {
      this.el.dndDuration.value = PICKED;
      this.el.dndUntil.value = localInputValue(until);
      this.el.dndUntilField.hidden = false;
    }
    if (until)
      // Capped: a picked end weeks away is past setTimeout's 2^31 - 1 ms, which would fire at once, and again, in a loop.
      this.dndTimer = setTimeout(
        () => this.settings && this.render(this.settings),
        Math.min(MAX_TIMER_MS, Math.max(0, until.getTime() - Date.now()) + 500),
      );
  }
}

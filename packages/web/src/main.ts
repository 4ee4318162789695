import {
  createHeraldClient,
  tokenExpiry,
  unverifiedClaims,
  type ConnectionStatus,
  type HeraldClientError,
  type Notification,
} from "@herald/client";
import { BrowserNotifications } from "./browser-notifications";
import { byId, setText } from "./dom";
import { errorText } from "./error-text";
import { Session } from "./session";
import { toastExpiryMs } from "./toast-timing";
import { Toasts } from "./toasts";
import { clearToken, loadToken, looksLikeJwt, saveToken } from "./token-store";
import { ActivityView } from "./views/activity-view";
import { AdminView } from "./views/admin-view";
import { NotificationPanel } from "./views/notification-panel";
import { Popovers } from "./views/popovers";
import { PreferencesView } from "./views/preferences-view";
import { SettingsView } from "./views/settings-view";

/** Connection refusals that a new token, not a retry, fixes: back to the sign-in form. */
const TOKEN_ERRORS = new Set(["token_missing", "token_invalid", "token_expired", "subject_mismatch"]);

const STATUS_TEXT: Record<ConnectionStatus, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  stopped: "Disconnected",
};

/** The token's user and role, for display only (the gateway verifies the token). */
function claimsOf(token: string): { sub?: string; role?: string } {
  const claims = unverifiedClaims(token);
  return {
    sub: typeof claims?.sub === "string" ? claims.sub : undefined,
    role: typeof claims?.role === "string" ? claims.role : undefined,
  };
}

/**
 * The page: the sign-in form, sign-out and the connection status. Everything shown while signed in is a view; this
 * wires the client's callbacks to them.
 */
class App {
  private readonly session = new Session();
  private readonly popovers = new Popovers();
  private readonly panel = new NotificationPanel(this.session);
  private readonly settings = new SettingsView(this.session);
  private readonly preferences = new PreferencesView(this.session);
  private readonly activity = new ActivityView(this.session);
  private readonly admin = new AdminView(this.session);
  private readonly toasts = new Toasts(byId("toasts"), (id) => this.reveal(id));
  private readonly browserNotifications = new BrowserNotifications((id) => this.reveal(id));

  private readonly el = {
    login: byId("login"),
    loginForm: byId<HTMLFormElement>("login-form"),
    tokenInput: byId<HTMLTextAreaElement>("token-input"),
    loginError: byId("login-error"),
    signedIn: byId("session"),
    whoami: byId("whoami"),
    status: byId("status"),
    signOut: byId<HTMLButtonElement>("sign-out"),
  };

  constructor() {
    this.el.loginForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const token = this.el.tokenInput.value.trim();
      this.el.tokenInput.value = "";
      this.signIn(token);
    });
    this.el.signOut.addEventListener("click", () => this.signOut());

    const saved = loadToken();
    if (saved) this.signIn(saved);
    else this.showLogin();
  }

  private showLogin(error?: string): void {
    this.el.signedIn.hidden = true;
    this.preferences.hide();
    this.el.login.hidden = false;
    this.el.loginError.hidden = !error;
    setText(this.el.loginError, error ?? "");
    document.title = "Herald";
    this.el.tokenInput.focus();
  }

  private signIn(token: string): void {
    if (!looksLikeJwt(token))
      return this.showLogin("That does not look like a token: paste the whole JWT (three parts separated by dots).");
    const exp = tokenExpiry(token);
    if (exp !== undefined && exp * 1000 <= Date.now()) {
      clearToken();
      return this.showLogin("That token has expired: mint a fresh one.");
    }
    saveToken(token);
    const { sub, role } = claimsOf(token);
    setText(this.el.whoami, sub ? `${sub}${role === "admin" ? " (admin)" : ""}` : "");
    this.el.login.hidden = true;
    this.el.signedIn.hidden = false;
    this.preferences.show(false);
    this.admin.setAdmin(role === "admin");
    this.panel.setUnread(0);
    this.renderStatus("connecting");

    const client = createHeraldClient({
      url: window.location.origin,
      token,
      onNotification: (n, { replayed }) => this.onNotification(n, replayed),
      onUnreadCount: (count) => this.panel.setUnread(count),
      onCaughtUp: ({ truncated }) => {
        if (truncated) void this.panel.loadPage(true);
      },
      onStatus: (status) => this.renderStatus(status),
      onError: (error) => this.onClientError(error),
    });
    this.session.begin(token, client);
    // Load the list, settings and activity once the gateway has accepted the token (no burst of
    // 401s for a bad one), or after a few seconds regardless: where WebSockets cannot get through,
    // the REST list still works.
    let loaded = false;
    const loadAll = () => {
      if (loaded || client !== this.session.client()) return;
      loaded = true;
      void this.panel.loadPage(true);
      void this.settings.load();
      void this.activity.load(true);
    };
    client.ready().then(loadAll, () => undefined);
    setTimeout(loadAll, 3_000);
  }

  private signOut(message?: string): void {
    this.session.end();
    clearToken();
    this.panel.clear();
    this.toasts.clear();
    this.settings.clear();
    this.activity.clear();
    this.preferences.clear();
    this.admin.clear();
    this.popovers.toggle(null);
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

  private onNotification(n: Notification, replayed: boolean): void {
    this.panel.add(n);
    // Missed while disconnected: into the list, not a burst of toasts.
    if (!replayed) {
      this.toasts.show(n, toastExpiryMs(this.session.client()?.toastConfig ?? null, n.category));
      this.browserNotifications.show(n);
    }
    this.activity.refreshSoon();
  }

  /** A toast or a system notification was clicked: open the panel (if it is not open already) at its notification. */
  private reveal(id: number): void {
    if (!this.session.current()) return;
    this.popovers.open("panel");
    this.panel.focus(id);
  }
}

new App();

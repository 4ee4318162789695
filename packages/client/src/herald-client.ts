import { io, type Socket } from "socket.io-client";
import type {
  CaughtUpMessage as CaughtUp,
  ClientToServerEvents,
  GatewayErrorCode as ErrorCode,
  GatewayErrorMessage as GatewayError,
  ListPage,
  ListQuery,
  NotificationMessage as Notification,
  ReauthResult,
  ServerToClientEvents,
  SocketAuth,
  ToastConfig,
} from "@herald/contract";
import { backoffDelay } from "@herald/contract";
import { EVENTS } from "./protocol";
import { nextStep, tokenExpiry } from "./reconnect-policy";
import { HeraldClientError, RestApi, type FetchLike } from "./rest";
import { SeenIds } from "./seen-ids";
import { seenWindow } from "./seen-window";

/** connecting: first connection; live: connected and caught up; reconnecting: lost it, trying again; stopped: closed, or gave up (see onError). */
export type ConnectionStatus = "connecting" | "live" | "reconnecting" | "stopped";

export interface HeraldClientOptions {
  /**
   * The gateway's base URL, or several gateways': when a connection fails or
   * drops, the next attempt goes to the next URL. Any gateway serves any user.
   */
  readonly url: string | readonly string[];
  /**
   * The user's JWT, or a function giving a current one. A function is called
   * before every connection attempt and REST call, and again when the token
   * expires, so it should return a cached token until a fresh one is due.
   */
  readonly token: string | (() => string | Promise<string>);
  /** The newest notification id this user has already seen (e.g. kept from the last page load): what came after it is replayed on connect. */
  readonly lastNotificationId?: number | null;
  /** Engine.IO transports, default websocket only: it needs no sticky sessions behind a load balancer (polling does). */
  readonly transports?: readonly ("websocket" | "polling")[];
  /** First reconnect delay (ms, doubling with jitter up to maxReconnectDelayMs). Default 500. */
  readonly reconnectDelayMs?: number;
  readonly maxReconnectDelayMs?: number;
  /** How long before a token function's token expires to send the gateway a fresh one over the socket. Default 30 s. */
  readonly refreshBeforeExpiryMs?: number;
  /** Base URL for REST calls; default the gateway currently in use. */
  readonly apiUrl?: string;
  /** `fetch` for REST calls; default the global one. */
  readonly fetch?: FetchLike;
  /**
   * Each notification once, in id order per connection; `replayed` for those missed while disconnected. A grouped
   * one comes again with the same id when its `count` grows: replace it by id.
   */
  readonly onNotification?: (notification: Notification, meta: { readonly replayed: boolean }) => void;
  readonly onUnreadCount?: (count: number) => void;
  /** After every (re)connection, once missed notifications are in; `truncated` asks the UI to reload its list. */
  readonly onCaughtUp?: (caughtUp: CaughtUp) => void;
  readonly onToastConfig?: (config: ToastConfig) => void;
  readonly onStatus?: (status: ConnectionStatus) => void;
  /** Why the gateway refused or dropped the connection; with status "stopped" when the client gave up. */
  readonly onError?: (error: HeraldClientError) => void;
}

export interface HeraldClient {
  /** The newest notification id received: what a reconnect asks the gateway to continue from. */
  readonly lastNotificationId: number | null;
  readonly unreadCount: number | null;
  readonly toastConfig: ToastConfig | null;
  readonly status: ConnectionStatus;
  /** The gateway in use (or being tried). */
  readonly url: string;
  /** Resolves on the first `caught_up`; rejects if the client stops before. */
  ready(): Promise<void>;
  list(query?: ListQuery): Promise<ListPage>;
  markRead(id: number): Promise<void>;
  markAllRead(): Promise<void>;
  /** Acts on one of the notification's `actions`; answers once the gateway accepted it (202). */
  act(id: number, actionId: string): Promise<void>;
  fetchUnreadCount(): Promise<number>;
  /** Sends the token function's current token to the gateway, extending the connection's life. */
  reauth(): Promise<ReauthResult>;
  close(): void;
}

export function createHeraldClient(options: HeraldClientOptions): HeraldClient {
  return new Client(options);
}

class Client implements HeraldClient {
  private readonly urls: readonly string[];
  private urlIndex = 0;
  private socket: Socket<ServerToClientEvents, ClientToServerEvents> | undefined;
  private cursor: number | null;
  /** Where what this client knows starts: it knows nothing below it (see seenWindow). Null until it has a cursor. */
  private floor: number | null;
  private readonly seen = new SeenIds();
  private unread: number | null = null;
  private toast: ToastConfig | null = null;
  private state: ConnectionStatus = "connecting";
  private attempt = 0;
  private closed = false;
  private everLive = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly rest: RestApi;
  private readonly readyPromise: Promise<void>;
  private resolveReady!: () => void;
  private rejectReady!: (error: Error) => void;

  constructor(private readonly options: HeraldClientOptions) {
    this.urls = typeof options.url === "string" ? [options.url] : [...options.url];
    if (this.urls.length === 0) throw new HeraldClientError("invalid_options", "give at least one gateway url");
    this.cursor = options.lastNotificationId ?? null;
    this.floor = this.cursor;
    const fetchImpl = options.fetch ?? ((url, init) => fetch(url, init));
    this.rest = new RestApi(
      () => options.apiUrl ?? this.url,
      () => this.token(),
      fetchImpl,
    );
    this.readyPromise = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // Nobody may ever await ready(); a rejection then must not surface as unhandled.
    this.readyPromise.catch(() => undefined);
    void this.connect();
  }

  get lastNotificationId(): number | null {
    return this.cursor;
  }

  get unreadCount(): number | null {
    return this.unread;
  }

  get toastConfig(): ToastConfig | null {
    return this.toast;
  }

  get status(): ConnectionStatus {
    return this.state;
  }

  get url(): string {
    return this.urls[this.urlIndex % this.urls.length]!;
  }

  ready(): Promise<void> {
    return this.readyPromise;
  }

  list(query?: ListQuery): Promise<ListPage> {
    return this.rest.list(query);
  }

  markRead(id: number): Promise<void> {
    return this.rest.markRead(id);
  }

  markAllRead(): Promise<void> {
    return this.rest.markAllRead();
  }

  act(id: number, actionId: string): Promise<void> {
    return this.rest.act(id, actionId);
  }

  fetchUnreadCount(): Promise<number> {
    return this.rest.unreadCount();
  }

  async reauth(): Promise<ReauthResult> {
    const socket = this.socket;
    if (!socket?.connected) throw new HeraldClientError("not_connected", "not connected to a gateway");
    const token = await this.token();
    const result = (await socket.timeout(10_000).emitWithAck(EVENTS.reauth, { token })) as ReauthResult;
    if (result.ok) this.scheduleRefresh(token);
    return result;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.refreshTimer);
    this.socket?.close();
    this.socket = undefined;
    this.setStatus("stopped");
    this.rejectReady(new HeraldClientError("closed", "client closed"));
  }

  private get canRefresh(): boolean {
    return typeof this.options.token === "function";
  }

  private async token(): Promise<string> {
    const source = this.options.token;
    return typeof source === "string" ? source : await source();
  }

  private setStatus(status: ConnectionStatus): void {
    if (this.state === status) return;
    this.state = status;
    this.options.onStatus?.(status);
  }

  private setUnread(count: number): void {
    if (this.unread === count) return;
    this.unread = count;
    this.options.onUnreadCount?.(count);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    this.setStatus(this.everLive ? "reconnecting" : "connecting");
    let token: string;
    try {
      token = await this.token();
    } catch (error) {
      this.options.onError?.(new HeraldClientError("token_missing", `token function failed: ${(error as Error).message}`));
      return this.afterFailure(undefined);
    }
    if (this.closed) return;

    const auth: SocketAuth = {
      token,
      lastNotificationId: this.cursor,
      // What it has below the cursor, so that the gateway also replays what committed late down there.
      ...(this.cursor !== null && this.floor !== null && { seenIds: seenWindow(this.seen.values(), this.floor, this.cursor) }),
    };
    const socket = io(this.url, {
      auth,
      transports: [...(this.options.transports ?? ["websocket"])],
      // Reconnection is done here, not by socket.io-client: it has to rotate
      // gateways, fetch fresh tokens and know when retrying is pointless.
      reconnection: false,
      forceNew: true,
    });
    this.socket = socket;
    let caughtUp = false;
    let oldestReplayed: number | undefined;
    let kick: GatewayError | undefined;

    socket.on("connect_error", (error: Error & { data?: { code?: ErrorCode } }) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      socket.close();
      const code = error.data?.code;
      if (code) this.options.onError?.(new HeraldClientError(code, error.message));
      this.afterFailure(code);
    });
    socket.on(EVENTS.notification, (notification: Notification) => {
      if (!caughtUp) oldestReplayed = Math.min(oldestReplayed ?? notification.id, notification.id);
      // A grouped notification's update (same id, higher count) goes through, to be replaced by id.
      const count = typeof notification.count === "number" && Number.isFinite(notification.count) ? notification.count : 1;
      if (!this.seen.add(notification.id, count)) return;
      this.cursor = this.cursor === null ? notification.id : Math.max(this.cursor, notification.id);
      this.options.onNotification?.(notification, { replayed: !caughtUp });
      this.setUnread(notification.unreadCount);
    });
    socket.on(EVENTS.unreadCount, (message: { count: number }) => this.setUnread(message.count));
    socket.on(EVENTS.toastConfig, (config: ToastConfig) => {
      this.toast = config;
      this.options.onToastConfig?.(config);
    });
    socket.on(EVENTS.caughtUp, (message: CaughtUp) => {
      caughtUp = true;
      // Always a number from here on, 0 included: reconnecting without a cursor would replay nothing.
      // (`?? 0` also reads an older gateway's null, which meant "nothing stored yet".)
      this.cursor = Math.max(this.cursor ?? 0, (message.lastNotificationId as number | null) ?? 0);
      // Started without a cursor: it knows from here. After a truncated catch-up it knows nothing below what was replayed.
      if (this.floor === null) this.floor = this.cursor;
      if (message.truncated) this.floor = oldestReplayed ?? this.cursor;
      this.attempt = 0;
      this.everLive = true;
      this.setStatus("live");
      this.options.onCaughtUp?.(message);
      this.resolveReady();
      this.scheduleRefresh(token);
    });
    for (const event of [EVENTS.authExpired, EVENTS.limitExceeded, EVENTS.gatewayError]) {
      socket.on(event, (error: GatewayError) => {
        kick = error;
        this.options.onError?.(new HeraldClientError(error.code, error.message));
      });
    }
    socket.on("disconnect", (reason: string) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      clearTimeout(this.refreshTimer);
      if (reason === "io client disconnect") return;
      this.afterFailure(kick?.code);
    });
  }

  private afterFailure(code: ErrorCode | undefined): void {
    if (this.closed) return;
    const step = nextStep(code, this.canRefresh);
    if (step === "stop") {
      this.closed = true;
      this.setStatus("stopped");
      this.rejectReady(new HeraldClientError(code ?? "stopped", `gave up connecting: ${code ?? "stopped"}`));
      return;
    }
    this.setStatus(this.everLive ? "reconnecting" : "connecting");
    // A fresh token goes to the same gateway at once (backing off only if that keeps failing); anything else tries the next gateway.
    if (step === "retry") this.urlIndex = (this.urlIndex + 1) % this.urls.length;
    const delay =
      step === "refresh" && this.attempt === 0
        ? 0
        : backoffDelay(this.attempt + 1, {
            initialMs: this.options.reconnectDelayMs ?? 500,
            maxMs: this.options.maxReconnectDelayMs ?? 10_000,
          });
    this.attempt += 1;
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  /** Sends a fresh token before this one expires, when there is a function to get one. */
  private scheduleRefresh(token: string): void {
    clearTimeout(this.refreshTimer);
    const expiresAt = tokenExpiry(token);
    if (!this.canRefresh || expiresAt === undefined) return;
    const delay = expiresAt * 1000 - Date.now() - (this.options.refreshBeforeExpiryMs ?? 30_000);
    // Too close to expiry already: the gateway's auth_expired and a reconnect will do.
    if (delay <= 0) return;
    this.refreshTimer = setTimeout(() => {
      this.reauth().catch(() => undefined);
    }, delay);
  }
}

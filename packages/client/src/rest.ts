import type { ListPage, ListQuery, ToastConfig } from "@herald/contract";

/** A REST call the gateway answered with an error (`{ error: { code, message } }`), or could not be made. */
export class HeraldClientError extends Error {
  override readonly name = "HeraldClientError";
  constructor(
    readonly code: string,
    message: string,
    /** HTTP status, when the error came from a REST call. */
    readonly status?: number,
  ) {
    super(message);
  }
}

export type FetchLike = (
  url: string,
  init?: { method?: string; headers?: Record<string, string>; body?: string },
) => Promise<{
  readonly ok: boolean;
  readonly status: number;
  text(): Promise<string>;
}>;

/**
 * The notification REST API: the list (also the fallback where sockets
 * cannot connect: poll it), mark-read and unread count. Mark-read answers
 * only once the change is stored; every socket of the user, on every
 * gateway, then gets the new unread count.
 */
export class RestApi {
  constructor(
    private readonly baseUrl: () => string,
    private readonly token: () => Promise<string>,
    private readonly fetchImpl: FetchLike,
  ) {}

  async list(query: ListQuery = {}): Promise<ListPage> {
    const params = new URLSearchParams();
    if (query.unreadOnly !== undefined) params.set("unread_only", String(query.unreadOnly));
    if (query.category !== undefined) params.set("category", query.category);
    if (query.limit !== undefined) params.set("limit", String(query.limit));
    if (query.cursor !== undefined) params.set("cursor", query.cursor);
    const qs = params.toString();
    return (await this.call("GET", `/api/v1/notifications${qs ? `?${qs}` : ""}`)) as ListPage;
  }

  async markRead(id: number): Promise<void> {
    await this.call("POST", `/api/v1/notifications/${encodeURIComponent(String(id))}/read`);
  }

  async markAllRead(): Promise<void> {
    await this.call("POST", "/api/v1/notifications/read-all");
  }

  /**
   * Acts on one of a notification's `actions` (approve, reject…): the gateway marks it read and publishes a
   * `notification.action` event; acting twice is idempotent. A gateway without the endpoint answers 404.
   */
  async act(id: number, actionId: string): Promise<void> {
    await this.call("POST", `/api/v1/notifications/${encodeURIComponent(String(id))}/actions/${encodeURIComponent(actionId)}`);
  }

  async unreadCount(): Promise<number> {
    return ((await this.call("GET", "/api/v1/notifications/unread-count")) as { count: number }).count;
  }

  async toastConfig(): Promise<ToastConfig> {
    return (await this.call("GET", "/api/v1/notifications/toast-config")) as ToastConfig;
  }

  private async call(method: string, path: string): Promise<unknown> {
    const url = `${this.baseUrl().replace(/\/+$/, "")}${path}`;
    let res;
    try {
      res = await this.fetchImpl(url, { method, headers: { authorization: `Bearer ${await this.token()}` } });
    } catch (error) {
      throw new HeraldClientError("network_error", `${method} ${path} failed: ${(error as Error).message}`);
    }
    const text = await res.text();
    // A proxy's HTML error page is not JSON: its status still says what failed, rather than a SyntaxError.
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      if (res.ok)
        throw new HeraldClientError(
          "invalid_response",
          `${method} ${path} answered ${res.status} with a body that is not JSON`,
          res.status,
        );
      body = undefined;
    }
    if (!res.ok) {
      const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new HeraldClientError(error?.code ?? "http_error", error?.message ?? `${method} ${path} answered ${res.status}`, res.status);
    }
    return body;
  }
}

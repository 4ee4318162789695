import {
  createHeraldClient,
  type CaughtUp,
  type HeraldClient,
  type HeraldClientError,
  type HeraldClientOptions,
  type Notification,
} from "@herald/client";

/** A @herald/client client that records what it delivers, for end-to-end tests. */
export interface TrackedClient {
  readonly client: HeraldClient;
  readonly notifications: Notification[];
  /** Whether each notification came as a catch-up replay, aligned with `notifications`. */
  readonly replayed: boolean[];
  readonly unreadCounts: number[];
  readonly caughtUp: CaughtUp[];
  readonly errors: HeraldClientError[];
}

export function trackedClient(
  options: Omit<HeraldClientOptions, "onNotification" | "onUnreadCount" | "onCaughtUp" | "onError">,
): TrackedClient {
  const tracked: Omit<TrackedClient, "client"> = { notifications: [], replayed: [], unreadCounts: [], caughtUp: [], errors: [] };
  const client = createHeraldClient({
    reconnectDelayMs: 100,
    maxReconnectDelayMs: 1_000,
    ...options,
    onNotification: (n, meta) => {
      tracked.notifications.push(n);
      tracked.replayed.push(meta.replayed);
    },
    onUnreadCount: (count) => tracked.unreadCounts.push(count),
    onCaughtUp: (c) => tracked.caughtUp.push(c),
    onError: (e) => tracked.errors.push(e),
  });
  return { client, ...tracked };
}

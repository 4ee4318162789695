import { SOCKET_EVENTS } from "@herald/contract";
import type { Counter, Histogram, ServiceMetrics } from "@herald/runtime";

export interface GatewayMetricsSource {
  readonly socketCount: number;
  readonly userCount: number;
}

/** The gateway's own Prometheus metrics, on the service's registry (GET /metrics). */
export class GatewayMetrics {
  private readonly sent: Counter<"event">;
  private readonly lag: Histogram;
  private readonly replayed: Counter;
  private readonly truncated: Counter;
  private readonly catchUpSeconds: Histogram;
  private readonly refused: Counter<"code">;
  private readonly kicked: Counter<"code">;

  constructor(metrics: ServiceMetrics, source: GatewayMetricsSource) {
    metrics.gaugeOnScrape({ name: "herald_gateway_connected_sockets", help: "Socket.IO connections open on this gateway" }, () => [
      { value: source.socketCount },
    ]);
    metrics.gaugeOnScrape(
      { name: "herald_gateway_connected_users", help: "Distinct users with at least one socket on this gateway" },
      () => [{ value: source.userCount }],
    );
    this.sent = metrics.counter({
      name: "herald_gateway_emits_total",
      help: "Messages written to sockets, by event (one per socket)",
      labelNames: ["event"],
    });
    this.lag = metrics.histogram({
      name: "herald_gateway_delivery_lag_seconds",
      help: "From a notification's creation in Postgres to its write on a socket (live deliveries, not catch-up replays)",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    });
    this.replayed = metrics.counter({
      name: "herald_gateway_catch_up_notifications_total",
      help: "Missed notifications replayed to reconnecting sockets",
    });
    this.truncated = metrics.counter({
      name: "herald_gateway_catch_up_truncated_total",
      help: "Catch-ups cut short by GATEWAY_CATCH_UP_LIMIT or GATEWAY_CATCH_UP_MAX_BYTES (the client reloads its list)",
    });
    this.catchUpSeconds = metrics.histogram({
      name: "herald_gateway_catch_up_seconds",
      help: "Time from a socket's connection to the end of its catch-up (query and replay)",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    });
    this.refused = metrics.counter({
      name: "herald_gateway_connections_refused_total",
      help: "Handshakes refused, by code",
      labelNames: ["code"],
    });
    this.kicked = metrics.counter({
      name: "herald_gateway_disconnects_by_server_total",
      help: "Sockets the gateway disconnected, by code",
      labelNames: ["code"],
    });
  }

  /** One message written to one socket; `live` is false for catch-up replays. */
  messageSent(event: string, args: readonly unknown[], live: boolean, nowMs = Date.now()): void {
    this.sent.inc({ event });
    if (!live || event !== SOCKET_EVENTS.notification) return;
    const createdAt = Date.parse(String((args[0] as { createdAt?: unknown } | undefined)?.createdAt));
    if (Number.isFinite(createdAt)) this.lag.observe(Math.max(0, nowMs - createdAt) / 1000);
  }

  caughtUp(replayed: number, truncated: boolean, seconds: number): void {
    this.replayed.inc(replayed);
    if (truncated) this.truncated.inc();
    this.catchUpSeconds.observe(seconds);
  }

  connectionRefused(code: string): void {
    this.refused.inc({ code });
  }

  disconnectedByServer(code: string): void {
    this.kicked.inc({ code });
  }
}

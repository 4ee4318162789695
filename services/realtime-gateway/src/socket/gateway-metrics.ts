import { Router } from "express";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { ApiError, SOCKET_EVENTS } from "@herald/contract";
import { bearerMatches } from "../metrics-access";

export interface GatewayMetricsSource {
  readonly socketCount: number;
  readonly userCount: number;
}

/**
 * The gateway's Prometheus metrics, on a registry of its own (not prom-client's
 * global one, so tests and several servers in one process never collide),
 * with Node's default process metrics (RSS, event-loop lag, GC) beside them.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly sent: Counter<"event">;
  private readonly lag: Histogram;
  private readonly replayed: Counter;
  private readonly truncated: Counter;
  private readonly catchUpSeconds: Histogram;
  private readonly refused: Counter<"code">;
  private readonly kicked: Counter<"code">;

  constructor(source: GatewayMetricsSource) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: "herald_gateway_connected_sockets",
      help: "Socket.IO connections open on this gateway",
      registers,
      collect() {
        this.set(source.socketCount);
      },
    });
    new Gauge({
      name: "herald_gateway_connected_users",
      help: "Distinct users with at least one socket on this gateway",
      registers,
      collect() {
        this.set(source.userCount);
      },
    });
    this.sent = new Counter({
      name: "herald_gateway_emits_total",
      help: "Messages written to sockets, by event (one per socket)",
      labelNames: ["event"],
      registers,
    });
    this.lag = new Histogram({
      name: "herald_gateway_delivery_lag_seconds",
      help: "From a notification's creation in Postgres to its write on a socket (live deliveries, not catch-up replays)",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.replayed = new Counter({
      name: "herald_gateway_catch_up_notifications_total",
      help: "Missed notifications replayed to reconnecting sockets",
      registers,
    });
    this.truncated = new Counter({
      name: "herald_gateway_catch_up_truncated_total",
      help: "Catch-ups cut short by GATEWAY_CATCH_UP_LIMIT or GATEWAY_CATCH_UP_MAX_BYTES (the client reloads its list)",
      registers,
    });
    this.catchUpSeconds = new Histogram({
      name: "herald_gateway_catch_up_seconds",
      help: "Time from a socket's connection to the end of its catch-up (query and replay)",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.refused = new Counter({
      name: "herald_gateway_connections_refused_total",
      help: "Handshakes refused, by code",
      labelNames: ["code"],
      registers,
    });
    this.kicked = new Counter({
      name: "herald_gateway_disconnects_by_server_total",
      help: "Sockets the gateway disconnected, by code",
      labelNames: ["code"],
      registers,
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

  /**
   * GET /metrics in the Prometheus text format, for requests bearing `token`
   * (401 otherwise); without a token, no route at all (404, like any unknown path).
   */
  router(token: string | undefined): Router {
    const router = Router();
    if (token === undefined) return router;
    router.get("/metrics", async (req, res) => {
      if (!bearerMatches(req.headers.authorization, token)) {
        res.set("www-authenticate", 'Bearer realm="metrics"');
        throw new ApiError(401, "unauthorized", "GET /metrics needs the METRICS_TOKEN bearer token");
      }
      res.set("content-type", this.registry.contentType).send(await this.registry.metrics());
    });
    return router;
  }
}

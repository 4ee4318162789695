import { GATEWAY_EVENTS, type GatewayErrorCode, type GatewayErrorMessage, type ReauthResult } from "@herald/contract";
import { userRoom } from "@herald/runtime";
import type { AuthConfig } from "@herald/auth";
import type { GatewayConfig } from "../config";
import { TokenError, verifyToken } from "@herald/auth";
import type { Logger } from "@herald/runtime";
import { catchUp, lateWindow } from "./catch-up";
import type { CatchUpGates } from "./catch-up-gate";
import type { ConnectionRegistry } from "./connection-registry";
import type { GatewayMetrics } from "./gateway-metrics";
import type { NotificationRepository } from "../notification-repository";
import { checkExpiry } from "./token-expiry";
import { fullBucket, takeToken } from "./token-bucket";
import type { UserSync } from "../user-sync";
import type { GatewaySocket } from "./gateway-socket";

export interface SessionDependencies {
  readonly auth: AuthConfig;
  readonly limits: GatewayConfig;
  readonly registry: ConnectionRegistry;
  readonly gates: CatchUpGates;
  readonly repository: NotificationRepository;
  readonly users: UserSync;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
}

export function tokenErrorCode(error: unknown): GatewayErrorCode {
  return error instanceof TokenError ? (`token_${error.reason}` as GatewayErrorCode) : "token_invalid";
}

type KickEvent = (typeof GATEWAY_EVENTS)["authExpired" | "limitExceeded" | "gatewayError"];

/**
 * Tells the client why, then closes its connection. The reason is written
 * before the close: Engine.IO drains its write buffer before closing.
 */
function kick(socket: GatewaySocket, event: KickEvent, error: GatewayErrorMessage, metrics: GatewayMetrics): void {
  metrics.disconnectedByServer(error.code);
  socket.emit(event, error);
  socket.disconnect(true);
}

/**
 * One connected socket's life on this gateway: the per-user limit, the
 * inbound rate limit, token expiry and `reauth`, then joining the user's own
 * room (the only room a socket is ever in; no message joins another) and
 * catching up.
 */
export function startSession(socket: GatewaySocket, deps: SessionDependencies): void {
  const { registry, gates, metrics, logger, limits } = deps;
  const userId = socket.data.user.userId;

  // The handshake checked too, but concurrent handshakes of one user can all
  // pass that check; this one is synchronous, so it is the one that holds.
  if (!registry.add(userId, socket.id)) {
    kick(
      socket,
      GATEWAY_EVENTS.limitExceeded,
      { code: "too_many_connections", message: `at most ${limits.maxConnectionsPerUser} connections per user on one gateway` },
      metrics,
    );
    return;
  }

  socket.onAnyOutgoing((event: string, ...args: unknown[]) => metrics.messageSent(event, args, !socket.data.replaying));

  let expiryTimer: NodeJS.Timeout | undefined;
  const watchExpiry = () => {
    clearTimeout(expiryTimer);
    const check = checkExpiry(socket.data.user.expiresAt, Date.now());
    if (check.expired) {
      kick(
        socket,
        GATEWAY_EVENTS.authExpired,
        { code: "token_expired", message: "token has expired: reconnect with a fresh one" },
        metrics,
      );
    } else if (check.checkAgainInMs !== undefined) {
      expiryTimer = setTimeout(watchExpiry, check.checkAgainInMs);
    }
  };
  watchExpiry();

  let bucket = fullBucket({ ratePerSecond: limits.inboundRatePerSecond, burst: limits.inboundBurst }, Date.now());
  socket.use((_packet, next) => {
    const taken = takeToken(bucket, { ratePerSecond: limits.inboundRatePerSecond, burst: limits.inboundBurst }, Date.now());
    bucket = taken.bucket;
    if (taken.allowed) return next();
    logger.warn({ userId }, "socket over its inbound message rate: disconnected");
    kick(
      socket,
      GATEWAY_EVENTS.limitExceeded,
      { code: "rate_limited", message: `more than ${limits.inboundRatePerSecond} messages per second` },
      metrics,
    );
  });

  socket.on(GATEWAY_EVENTS.reauth, (payload: unknown, ack: unknown) => {
    const reply = (result: ReauthResult) => {
      if (typeof ack === "function") (ack as (result: ReauthResult) => void)(result);
    };
    const token = (payload as { token?: unknown } | null)?.token;
    let principal;
    try {
      principal = verifyToken(typeof token === "string" ? token : undefined, deps.auth);
    } catch (error) {
      return reply({
        ok: false,
        error: { code: tokenErrorCode(error), message: error instanceof Error ? error.message : "invalid token" },
      });
    }
    // A socket belongs to one user for its whole life: its room is that user's.
    if (principal.kind !== "user" || principal.userId !== userId) {
      return reply({ ok: false, error: { code: "subject_mismatch", message: "reauth must use a token for the same user" } });
    }
    deps.users.ensure(principal).then(
      () => {
        socket.data.user = principal;
        watchExpiry();
        reply({ ok: true, expiresAt: principal.expiresAt ?? null });
      },
      (error: Error) => {
        logger.warn({ err: error.message }, "user sync failed during reauth");
        reply({ ok: false, error: { code: "unavailable", message: "try again" } });
      },
    );
  });

  socket.on("disconnect", () => {
    clearTimeout(expiryTimer);
    registry.remove(userId, socket.id);
    gates.discard(socket.id);
  });

  socket.emit(GATEWAY_EVENTS.toastConfig, limits.toast);

  const started = performance.now();
  gates.close(socket.id);
  void socket.join(userRoom(userId));
  const budget = { limit: limits.catchUpLimit, maxBytes: limits.catchUpMaxBytes };
  const { lastNotificationId, seenIds } = socket.data;
  // The catch-up below has them now; an idle socket need not keep up to the handshake's limit of ids for its whole life.
  socket.data.seenIds = undefined;
  catchUp(socket, userId, lastNotificationId, lateWindow(lastNotificationId, seenIds), { repository: deps.repository, gates, budget }).then(
    (caughtUp) => {
      if (caughtUp) metrics.caughtUp(caughtUp.replayed, caughtUp.truncated, (performance.now() - started) / 1000);
    },
    (error: Error) => {
      logger.warn({ err: error.message, userId }, "catch-up failed: disconnecting so the client retries");
      gates.discard(socket.id);
      kick(
        socket,
        GATEWAY_EVENTS.gatewayError,
        { code: "catch_up_failed", message: "could not load missed notifications; reconnect" },
        metrics,
      );
    },
  );
}

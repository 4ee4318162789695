import type { Server as HttpServer } from "node:http";
import type { RedisClient } from "@herald/runtime";
import { Server } from "socket.io";
import { SOCKET_EVENTS, type GatewayErrorCode } from "@herald/contract";
import { userRoom } from "@herald/runtime";
import type { AuthConfig } from "@herald/auth";
import type { GatewayConfig } from "../config";
import { verifyToken } from "@herald/auth";
import type { Logger, ServiceMetrics } from "@herald/runtime";
import { CatchUpGates, createGatedAdapter } from "./catch-up-gate";
import { ConnectionRegistry } from "./connection-registry";
import { GatewayMetrics } from "./gateway-metrics";
import { parseHandshakeAuth } from "./handshake";
import { PendingHandshakes } from "./pending-handshakes";
import type { NotificationRepository } from "../notification-repository";
import { originAllowed } from "./origin-policy";
import type { GatewayServer, GatewaySocket } from "./gateway-socket";
import { startSession, tokenErrorCode } from "./socket-session";
import type { UserSync } from "../user-sync";

export interface SocketServerOptions {
  readonly httpServer: HttpServer;
  readonly auth: AuthConfig;
  /** Two connections for the adapter: one publishes, one subscribes. */
  readonly pubClient: RedisClient;
  readonly subClient: RedisClient;
  readonly socketIoKey: string;
  readonly corsOrigins?: readonly string[];
  readonly gateway: GatewayConfig;
  readonly repository: NotificationRepository;
  readonly users: UserSync;
  readonly logger: Logger;
  /** The service's registry, where the gateway's socket metrics go. */
  readonly metrics: ServiceMetrics;
}

export interface SocketServer {
  readonly io: GatewayServer;
  readonly broadcastUnreadCount: (userId: string, count: number) => void;
}

/**
 * Socket.IO behind the Redis adapter: a socket authenticates with its JWT in
 * the handshake and joins its own user's room, which is the only room it is
 * ever in; the router's emitter and other gateways reach it there.
 */
export function createSocketServer(options: SocketServerOptions): SocketServer {
  const { logger, repository, users, gateway } = options;
  const gates = new CatchUpGates();
  const registry = new ConnectionRegistry(gateway.maxConnectionsPerUser);
  const pending = new PendingHandshakes(gateway.maxPendingHandshakes);
  const metrics = new GatewayMetrics(options.metrics, registry);
  const io: GatewayServer = new Server(options.httpServer, {
    adapter: createGatedAdapter(options.pubClient, options.subClient, options.socketIoKey, gates),
    cors: { origin: options.corsOrigins ? [...options.corsOrigins] : true },
    transports: [...gateway.transports],
    // Clients only send small control messages (reauth): a large frame is abuse.
    maxHttpBufferSize: gateway.maxMessageBytes,
    serveClient: false,
    // A connection that has not authenticated by then is closed (it may never send its CONNECT at all).
    connectTimeout: gateway.connectTimeoutMs,
    // Runs for each new Engine.IO session, before anything is allocated for it; answered 403 when refused.
    allowRequest: (_req, callback) => {
      if (pending.hasRoom()) return callback(null, true);
      metrics.connectionRefused("too_many_pending_handshakes");
      callback(`more than ${gateway.maxPendingHandshakes} connections are authenticating on this gateway; retry`, false);
    },
  });
  io.engine.on("connection", (connection: { once(event: "close", listener: () => void): void }) => {
    pending.opened(connection);
    connection.once("close", () => pending.settled(connection));
  });

  io.use((socket, next) => {
    const refuse = (code: GatewayErrorCode, message: string) => {
      metrics.connectionRefused(code);
      next(Object.assign(new Error(message), { data: { code } }));
    };
    // CORS headers guard polling; a WebSocket upgrade carries the Origin but no browser enforces anything on it.
    if (!originAllowed(socket.handshake.headers.origin, options.corsOrigins)) return refuse("origin_not_allowed", "origin not allowed");
    const handshake = parseHandshakeAuth(socket.handshake.auth);
    if (!handshake.ok) return refuse("invalid_handshake", handshake.message);
    let principal;
    try {
      principal = verifyToken(handshake.token, options.auth);
    } catch (error) {
      return refuse(tokenErrorCode(error), error instanceof Error ? error.message : "unauthorized");
    }
    if (principal.kind !== "user") return refuse("token_invalid", "a user token is required");
    if (!registry.hasRoom(principal.userId)) {
      return refuse("too_many_connections", `at most ${gateway.maxConnectionsPerUser} connections per user on one gateway`);
    }
    socket.data.user = principal;
    socket.data.lastNotificationId = handshake.lastNotificationId;
    socket.data.seenIds = handshake.seenIds;
    socket.data.replaying = false;
    users.ensure(principal).then(
      () => next(),
      (error: Error) => {
        logger.warn({ err: error.message }, "user sync failed during handshake");
        refuse("unavailable", "service unavailable");
      },
    );
  });

  io.on("connection", (socket: GatewaySocket) => {
    pending.settled(socket.conn);
    startSession(socket, { auth: options.auth, limits: gateway, registry, gates, repository, users, metrics, logger });
  });

  const broadcastUnreadCount = (userId: string, count: number): void => {
    io.to(userRoom(userId)).emit(SOCKET_EVENTS.unreadCount, { count });
  };
  return { io, broadcastUnreadCount };
}

import type { Server as HttpServer } from "node:http";
import type { Redis } from "ioredis";
import { Server, type Socket } from "socket.io";
import { createAdapter } from "@socket.io/redis-adapter";
import { SOCKET_EVENTS, userRoom, type AuthConfig } from "@herald/core";
import { TokenError, verifyToken, type UserPrincipal } from "@herald/auth";
import type { Logger } from "@herald/runtime";
import type { NotificationRepository } from "./notification-repository";
import type { UserSync } from "./user-sync";

export type UnreadCountBroadcaster = (userId: string, count: number) => void;

export interface SocketServerOptions {
  readonly httpServer: HttpServer;
  readonly auth: AuthConfig;
  /** Two connections for the adapter: one publishes, one subscribes. */
  readonly pubClient: Redis;
  readonly subClient: Redis;
  readonly socketIoKey: string;
  readonly corsOrigins?: readonly string[];
  readonly repository: NotificationRepository;
  readonly users: UserSync;
  readonly logger: Logger;
}

interface SocketData {
  user: UserPrincipal;
}

/**
 * Socket.IO behind the Redis adapter: a socket authenticates with its JWT in
 * the handshake and joins its own user's room, which is the only room it is
 * ever in; the router's emitter and other gateways reach it there.
 */
export function createSocketServer(options: SocketServerOptions): { io: Server; broadcastUnreadCount: UnreadCountBroadcaster } {
  const { logger, repository, users } = options;
  const io = new Server<Record<string, never>, Record<string, (...args: unknown[]) => void>, Record<string, never>, SocketData>(
    options.httpServer,
    {
      adapter: createAdapter(options.pubClient, options.subClient, { key: options.socketIoKey }),
      cors: { origin: options.corsOrigins ? [...options.corsOrigins] : true },
      serveClient: false,
    },
  );

  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    try {
      const principal = verifyToken(typeof token === "string" ? token : undefined, options.auth);
      if (principal.kind !== "user") throw new TokenError("invalid", "a user token is required");
      socket.data.user = principal;
      users.ensure(principal).then(
        () => next(),
        (error: Error) => {
          logger.warn({ err: error.message }, "user sync failed during handshake");
          next(Object.assign(new Error("service unavailable"), { data: { code: "unavailable" } }));
        },
      );
    } catch (error) {
      const reason = error instanceof TokenError ? error.reason : "invalid";
      next(Object.assign(new Error(error instanceof TokenError ? error.message : "unauthorized"), { data: { code: `token_${reason}` } }));
    }
  });

  io.on("connection", (socket: Socket) => {
    const user = (socket.data as SocketData).user;
    void socket.join(userRoom(user.userId));
    repository.unreadCount(user.userId).then(
      (count) => socket.emit(SOCKET_EVENTS.unreadCount, { count }),
      (error: Error) => logger.warn({ err: error.message }, "unread count on connect failed"),
    );
  });

  const broadcastUnreadCount: UnreadCountBroadcaster = (userId, count) => {
    io.to(userRoom(userId)).emit(SOCKET_EVENTS.unreadCount, { count });
  };
  return { io, broadcastUnreadCount };
}

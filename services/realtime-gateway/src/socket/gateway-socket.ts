import type { Server, Socket } from "socket.io";
import type { ClientToServerEvents, ServerToClientEvents } from "@herald/contract";
import type { UserPrincipal } from "@herald/auth";

/** What the handshake middleware leaves on `socket.data`. */
export interface SocketData {
  user: UserPrincipal;
  lastNotificationId: bigint | undefined;
  /** What the client says it has below its cursor (the handshake's `seenIds`). */
  seenIds: readonly number[] | undefined;
  /** True while catch-up replays: those writes are not live deliveries. */
  replaying: boolean;
}

/** Gateways send each other nothing of their own: the Redis adapter carries the room broadcasts. */
export type InterServerEvents = Record<never, never>;

/** The gateway's Socket.IO server and sockets, typed by the contract's protocol. */
export type GatewayServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type GatewaySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

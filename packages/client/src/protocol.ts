import { GATEWAY_EVENTS, SOCKET_EVENTS } from "@herald/contract";

/** Every event name of the gateway's Socket.IO protocol (@herald/contract), in one map for the client. */
export const EVENTS = { ...SOCKET_EVENTS, ...GATEWAY_EVENTS } as const;

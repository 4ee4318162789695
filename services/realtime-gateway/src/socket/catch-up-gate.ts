import { withOrderedPublish, type RedisClient } from "@herald/runtime";
import { createAdapter } from "@socket.io/redis-adapter";
import { SOCKET_EVENTS } from "@herald/contract";

/** A broadcast held back from one socket while that socket catches up. */
export interface HeldBroadcast {
  /** The packet's event name and arguments. */
  readonly data: readonly unknown[];
  /** Writes the broadcast to the socket, exactly as it would have been written live. */
  readonly deliver: () => void;
}

/** The id of a `notification` broadcast, or undefined for anything else. */
export function notificationIdOf(data: readonly unknown[]): number | undefined {
  if (data[0] !== SOCKET_EVENTS.notification) return undefined;
  const id = (data[1] as { id?: unknown } | undefined)?.id;
  return typeof id === "number" ? id : undefined;
}

/**
 * The held broadcasts to deliver once catch-up has sent `replayed`, in
 * arrival order: everything except notifications catch-up just sent. An
 * older id that catch-up did not send (committed late by another router,
 * say) is delivered.
 */
export function heldToDeliver(held: readonly HeldBroadcast[], replayed: ReadonlySet<number>): HeldBroadcast[] {
  return held.filter((h) => {
    const id = notificationIdOf(h.data);
    return id === undefined || !replayed.has(id);
  });
}

/**
 * How long a socket remembers what catch-up sent it. A row the router had
 * stored but not yet pushed when the snapshot was read is replayed, and its
 * live push may still arrive after the gate opened: it is dropped then.
 * Pushes follow their commit within milliseconds; this is ample.
 */
const REPLAYED_MEMORY_MS = 60_000;

/**
 * Per-socket gates: while a socket's gate is closed, broadcasts to it (from
 * the router's emitter, other gateways or this one) are held instead of
 * written. The socket joins its room with the gate closed, so nothing pushed
 * from then on can be missed; the catch-up query runs; the gate then opens
 * and releases what was held, minus duplicates of what catch-up sent.
 */
export class CatchUpGates {
  private readonly held = new Map<string, HeldBroadcast[]>();
  private readonly replayed = new Map<string, { readonly ids: Set<number>; readonly until: number }>();

  close(socketId: string): void {
    this.held.set(socketId, []);
  }

  /** Whether any socket is gated or still filtering repeats of its catch-up (the fast path skips both). */
  get anyActive(): boolean {
    return this.held.size > 0 || this.replayed.size > 0;
  }

  isClosed(socketId: string): boolean {
    return this.held.has(socketId);
  }

  hold(socketId: string, broadcast: HeldBroadcast): void {
    this.held.get(socketId)?.push(broadcast);
  }

  /**
   * Opens the gate: delivers what was held (see heldToDeliver), synchronously,
   * and says how much; then drops, for a while, live repeats of what catch-up sent.
   */
  open(socketId: string, replayedIds: readonly number[], now = Date.now()): { held: number; delivered: number } {
    const replayed = new Set(replayedIds);
    const held = this.held.get(socketId) ?? [];
    this.held.delete(socketId);
    const deliver = heldToDeliver(held, replayed);
    for (const broadcast of deliver) broadcast.deliver();
    for (const h of held) {
      const id = notificationIdOf(h.data);
      if (id !== undefined) replayed.delete(id);
    }
    if (replayed.size > 0) this.replayed.set(socketId, { ids: replayed, until: now + REPLAYED_MEMORY_MS });
    return { held: held.length, delivered: deliver.length };
  }

  /** True (once per id) when a live broadcast repeats a notification catch-up already sent this socket. */
  alreadySent(socketId: string, data: readonly unknown[], now = Date.now()): boolean {
    const memory = this.replayed.get(socketId);
    if (!memory) return false;
    if (now > memory.until) {
      this.replayed.delete(socketId);
      return false;
    }
    const id = notificationIdOf(data);
    if (id === undefined || !memory.ids.delete(id)) return false;
    if (memory.ids.size === 0) this.replayed.delete(socketId);
    return true;
  }

  /** Drops a gate and what it held (the socket went away). */
  discard(socketId: string): void {
    this.held.delete(socketId);
    this.replayed.delete(socketId);
  }
}

interface Packet {
  readonly data?: unknown;
}

/** The two socket.io-adapter methods the gate wraps (both private in its typings). */
interface AdapterInternals {
  _encode(packet: Packet, options: unknown): unknown;
  apply(opts: unknown, callback: (socket: { readonly id: string }) => void): void;
}

/**
 * Applies CatchUpGates to an adapter's broadcasts.
 *
 * Socket.IO has no outgoing middleware, and broadcasts do not go through
 * `socket.emit`: the adapter encodes a packet once (`_encode`) and then hands
 * it to every target socket (`apply`), for local emits and for those arriving
 * over Redis from the router's emitter or other gateways alike. Remembering
 * the packet in `_encode` lets `apply` tell a broadcast from its other uses
 * (fetchSockets, socketsJoin, ...) and know what it holds back. Both are
 * internals of socket.io-adapter, hence the check: if they ever go away the
 * gateway refuses to start rather than silently losing the seam (and the
 * catch-up tests fail).
 */
export function gateAdapter<A extends object>(adapter: A, gates: CatchUpGates): A {
  const internals = adapter as unknown as AdapterInternals;
  const encode = internals._encode;
  const apply = internals.apply;
  if (typeof encode !== "function" || typeof apply !== "function") {
    throw new Error("socket.io-adapter no longer has _encode/apply: the catch-up gate cannot see broadcasts");
  }
  let broadcasting: Packet | undefined;
  internals._encode = function (packet, options) {
    broadcasting = packet;
    return encode.call(this, packet, options);
  };
  internals.apply = function (opts, callback) {
    const data = broadcasting?.data;
    broadcasting = undefined;
    if (!Array.isArray(data) || !gates.anyActive) return apply.call(this, opts, callback);
    apply.call(this, opts, (socket) => {
      if (gates.isClosed(socket.id)) return gates.hold(socket.id, { data, deliver: () => callback(socket) });
      if (gates.alreadySent(socket.id, data)) return;
      callback(socket);
    });
  };
  return adapter;
}

/**
 * The Redis adapter (same key, so same channels, as the router's emitter),
 * gated. Its broadcasts keep their order on a cluster (withOrderedPublish).
 */
export function createGatedAdapter(pubClient: RedisClient, subClient: RedisClient, key: string, gates: CatchUpGates) {
  const redisAdapter = createAdapter(withOrderedPublish(pubClient), subClient, { key });
  // Socket.IO calls this with `new`: a function (not an arrow) returning an object does that.
  return function gatedAdapter(nsp: unknown) {
    return gateAdapter(redisAdapter(nsp), gates);
  };
}

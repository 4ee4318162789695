/**
 * Engine.IO connections on this gateway that have not finished their
 * Socket.IO handshake (no CONNECT yet, or still being authenticated). Until
 * then a connection is nobody's: the per-user limit cannot apply to it, so
 * this caps them all together, and the Socket.IO connect timeout closes each
 * one that takes too long. Authenticated sockets do not count.
 */
export class PendingHandshakes {
  // Keyed by the Engine.IO connection itself (its id is private in engine.io's typings).
  private readonly pending = new Set<object>();

  constructor(private readonly max: number) {}

  /** Whether one more connection may start its handshake. */
  hasRoom(): boolean {
    return this.pending.size < this.max;
  }

  /** An Engine.IO connection was opened. */
  opened(connection: object): void {
    this.pending.add(connection);
  }

  /** It authenticated, or it closed: either way it no longer waits. */
  settled(connection: object): void {
    this.pending.delete(connection);
  }

  get count(): number {
    return this.pending.size;
  }
}

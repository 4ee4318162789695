/**
 * The sockets each user holds on this gateway process: enforces the
 * per-user connection limit and feeds the connected users/sockets gauges.
 * The limit is per process, on purpose: a cluster-wide count would have to
 * outlive crashed gateways (whose users are reconnecting elsewhere at that
 * very moment) and would refuse them exactly when they need to get back.
 */
export class ConnectionRegistry {
  private readonly byUser = new Map<string, Set<string>>();
  private sockets = 0;

  constructor(private readonly maxPerUser: number) {}

  /** Whether one more socket of this user would stay within the limit. */
  hasRoom(userId: string): boolean {
    return (this.byUser.get(userId)?.size ?? 0) < this.maxPerUser;
  }

  /** Registers a socket; false (and nothing registered) when the user is at the limit. */
  add(userId: string, socketId: string): boolean {
    const set = this.byUser.get(userId) ?? new Set<string>();
    if (set.has(socketId)) return true;
    if (set.size >= this.maxPerUser) return false;
    set.add(socketId);
    this.byUser.set(userId, set);
    this.sockets += 1;
    return true;
  }

  remove(userId: string, socketId: string): void {
    const set = this.byUser.get(userId);
    if (!set?.delete(socketId)) return;
    this.sockets -= 1;
    if (set.size === 0) this.byUser.delete(userId);
  }

  countFor(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  get socketCount(): number {
    return this.sockets;
  }

  get userCount(): number {
    return this.byUser.size;
  }
}

/**
 * Counts requests in flight per destination host, so one slow endpoint holds
 * at most `perHost` of the worker's slots and the rest keep flowing.
 */
export class HostLimiter {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly perHost: number) {}

  tryAcquire(host: string): boolean {
    const current = this.inFlight.get(host) ?? 0;
    if (current >= this.perHost) return false;
    this.inFlight.set(host, current + 1);
    return true;
  }

  release(host: string): void {
    const current = this.inFlight.get(host) ?? 0;
    if (current <= 1) this.inFlight.delete(host);
    else this.inFlight.set(host, current - 1);
  }
}

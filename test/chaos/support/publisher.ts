/**
 * Publishes events to ingest over HTTP, one request per event as producers
 * do, and writes down every answer: the accepted ids (202) are what Herald
 * promised to keep, and each answer's latency shows how ingest behaves
 * while a dependency is down (a 503 must come at once, not after a hang).
 */

export interface ChaosEvent {
  readonly id: string;
  readonly type: string;
  readonly actorUserId?: string;
  readonly payload: Readonly<Record<string, unknown>>;
}

export interface PublishOutcome {
  readonly id: string;
  readonly sentAt: number;
  readonly answeredAt: number;
  /** HTTP status, or "network" when no answer came at all. */
  readonly status: number | "network";
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Publisher {
  readonly outcomes: PublishOutcome[] = [];
  private readonly acceptedAt = new Map<string, number>();

  constructor(
    private readonly ingestUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Ids answered 202, with when the 202 came. */
  get accepted(): ReadonlyMap<string, number> {
    return this.acceptedAt;
  }

  countByStatus(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const o of this.outcomes) counts[String(o.status)] = (counts[String(o.status)] ?? 0) + 1;
    return counts;
  }

  async publish(event: ChaosEvent): Promise<PublishOutcome> {
    const [outcome] = await this.send("", event, [event]);
    return outcome!;
  }

  /** One batch request: ingest enqueues all of it or none of it, so every id shares the request's answer. */
  async publishBatch(events: readonly ChaosEvent[]): Promise<readonly PublishOutcome[]> {
    return this.send("/batch", { events }, events);
  }

  private async send(path: string, body: unknown, events: readonly ChaosEvent[]): Promise<PublishOutcome[]> {
    const sentAt = Date.now();
    let status: number | "network";
    try {
      const res = await fetch(`${this.ingestUrl}/api/v1/events${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${this.token}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await res.arrayBuffer();
      status = res.status;
    } catch {
      status = "network";
    }
    const answeredAt = Date.now();
    return events.map((event) => {
      const outcome = { id: event.id, sentAt, answeredAt, status };
      this.outcomes.push(outcome);
      if (status === 202) this.acceptedAt.set(event.id, answeredAt);
      return outcome;
    });
  }

  /** Publishes every event, `concurrency` requests in flight, as fast as ingest answers. */
  async burst(events: readonly ChaosEvent[], concurrency: number): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < events.length) await this.publish(events[next++]!);
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
  }

  /** Publishes every event in batch requests of `batchSize`, `concurrency` in flight: faster than any router routes. */
  async burstBatches(events: readonly ChaosEvent[], batchSize: number, concurrency: number): Promise<void> {
    const batches: ChaosEvent[][] = [];
    for (let i = 0; i < events.length; i += batchSize) batches.push(events.slice(i, i + batchSize));
    let next = 0;
    const lane = async () => {
      while (next < batches.length) await this.publishBatch(batches[next++]!);
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
  }

  /**
   * Open loop at a steady rate: each event is sent when it is due, whether or
   * not earlier ones were answered (at most `maxInFlight` wait at once), so an
   * outage shows as failed answers rather than as a publisher that slowed down.
   */
  async steady(options: {
    readonly ratePerSecond: number;
    readonly event: (index: number) => ChaosEvent;
    readonly until: () => boolean;
    readonly maxInFlight?: number;
  }): Promise<number> {
    const maxInFlight = options.maxInFlight ?? 64;
    const inFlight = new Set<Promise<unknown>>();
    const started = Date.now();
    let sent = 0;
    while (!options.until()) {
      const due = Math.floor(((Date.now() - started) / 1000) * options.ratePerSecond) + 1;
      while (sent < due && inFlight.size < maxInFlight) {
        const p = this.publish(options.event(sent++));
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      }
      await sleep(5);
    }
    await Promise.all(inFlight);
    return sent;
  }
}

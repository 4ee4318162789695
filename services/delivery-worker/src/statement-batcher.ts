/**
 * Runs one statement for many concurrent callers: the inputs submitted while
 * the previous batch is in flight (or within the same turn of the event loop)
 * go to Postgres together, as one statement, and each caller gets its own
 * result back, in the order the runner returns them (the inputs' order).
 *
 * Each of the worker's concurrent jobs makes the same three statements per
 * delivery; one round trip (and one commit) per statement per job was what
 * bounded the worker's throughput, not the statements' work.
 */
export interface StatementBatcherOptions<I> {
  /** Runs the statement for `inputs`; returns one result per input, in the same order. */
  readonly run: (inputs: readonly I[]) => Promise<readonly unknown[]>;
  /**
   * Inputs with the same key are never in flight together, in one statement
   * or in two (the statement matches rows by it, and two statements at once
   * would not see each other's rows); a repeat waits until the first is done.
   */
  readonly key?: (input: I) => string;
  /**
   * Whether a failed batch is tried again one input at a time, so that one bad
   * input (a row that breaks a constraint) fails only its own caller. Not for
   * errors every input would meet alike (Postgres unreachable): splitting
   * those would only multiply the failed round trips.
   */
  readonly retryAlone: (error: unknown) => boolean;
  /** Inputs per statement at most. */
  readonly maxBatch: number;
  /** Statements in flight at once at most; callers arriving meanwhile wait for the next free one. */
  readonly maxInFlight: number;
}

interface Waiting<I> {
  readonly input: I;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export class StatementBatcher<I, O> {
  private waiting: Waiting<I>[] = [];
  private inFlight = 0;
  private scheduled = false;
  /** Keys of the inputs in flight. */
  private readonly busy = new Set<string>();

  constructor(private readonly options: StatementBatcherOptions<I>) {}

  submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ input, resolve: resolve as (result: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.inFlight >= this.options.maxInFlight || this.scheduled || this.waiting.length === 0) return;
    this.scheduled = true;
    // setImmediate, not a microtask: the jobs that BullMQ hands over in the same turn all get in.
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.take();
    // Everything waiting is a repeat of an input in flight: its statement's end schedules the next.
    if (batch.length === 0) return;
    this.inFlight += 1;
    try {
      await this.runBatch(batch);
    } finally {
      const { key } = this.options;
      if (key) for (const w of batch) this.busy.delete(key(w.input));
      this.inFlight -= 1;
      this.schedule();
    }
  }

  /** The next batch: up to maxBatch waiting inputs, oldest first, none whose key is in flight; the rest keep waiting. */
  private take(): Waiting<I>[] {
    const { key, maxBatch } = this.options;
    const batch: Waiting<I>[] = [];
    const later: Waiting<I>[] = [];
    for (const w of this.waiting) {
      const k = key?.(w.input);
      if (batch.length >= maxBatch || (k !== undefined && this.busy.has(k))) later.push(w);
      else {
        if (k !== undefined) this.busy.add(k);
        batch.push(w);
      }
    }
    this.waiting = later;
    return batch;
  }

  private async runBatch(batch: readonly Waiting<I>[]): Promise<void> {
    let results: readonly unknown[];
    try {
      results = await this.options.run(batch.map((w) => w.input));
    } catch (error) {
      if (batch.length === 1 || !this.options.retryAlone(error)) {
        for (const w of batch) w.reject(error);
        return;
      }
      await Promise.all(batch.map((w) => this.runBatch([w])));
      return;
    }
    if (results.length !== batch.length) {
      const error = new Error(`statement returned ${results.length} results for ${batch.length} inputs`);
      for (const w of batch) w.reject(error);
      return;
    }
    batch.forEach((w, i) => w.resolve(results[i]));
  }
}

export interface BatchSizerOptions {
  /** ROUTER_BATCH_SIZE: the most stream entries one batch reads. */
  readonly maxEntries: number;
  /** ROUTER_BATCH_ROWS: the rows (decision records: one per candidate, a notification or none) a batch aims at. */
  readonly targetRows: number;
  /**
   * The fewest entries a batch reads, also before any batch was seen.
   * @defaultValue 50, or maxEntries if that is smaller
   */
  readonly minEntries?: number;
}

/**
 * How many stream entries the router reads at once. A batch costs what it
 * writes, per candidate, plus a fixed part (its round trips, its statement):
 * 200 events of twenty candidates are 4,000 rows, 200 single-recipient events
 * 200 rows, and there the fixed part is most of the batch (bench:router's
 * single mix reached 4,300 events/s in batches of 200, 5,100-5,300 in batches
 * of 500 and 5,900-6,100 in batches of 1,000). So the size follows the rows
 * that recent batches wrote per entry (a moving average: a mix that changes
 * moves it within a few batches) towards `targetRows`, between `minEntries`
 * and `maxEntries`. Only the size of a read: a smaller batch under a trickle
 * of events is read at once all the same. Pure, no I/O.
 */
export class BatchSizer {
  private readonly minEntries: number;
  /** Rows written per entry, averaged over recent batches; undefined until a batch was seen. */
  private rowsPerEntry?: number;

  constructor(private readonly options: BatchSizerOptions) {
    this.minEntries = Math.min(options.minEntries ?? 50, options.maxEntries);
  }

  /** Entries to read for the next batch. */
  get size(): number {
    if (this.rowsPerEntry === undefined) return this.minEntries;
    // An entry that writes nothing (no candidate, a malformed entry, a large fan-out written apart) still costs
    // its parse and routing: one row's worth.
    const wanted = Math.floor(this.options.targetRows / Math.max(1, this.rowsPerEntry));
    return Math.max(this.minEntries, Math.min(this.options.maxEntries, wanted));
  }

  /** A batch of `entries` stream entries wrote `rows` rows. */
  observe(entries: number, rows: number): void {
    if (entries <= 0) return;
    const observed = rows / entries;
    this.rowsPerEntry = this.rowsPerEntry === undefined ? observed : (this.rowsPerEntry + observed) / 2;
  }
}

/**
 * The ids of the last `capacity` notifications delivered, to drop repeats
 * (a push repeated after a router crash, one replayed and pushed at once
 * around a reconnect). Not "drop every id at or below the newest seen": with
 * several routers, a lower id can commit after a higher one and arrive
 * later, and must still be shown.
 *
 * A grouped notification (second wave, "Grouping") arrives again with the
 * same id and a higher `count` when a new event joins it: that is an update
 * the UI replaces by id, not a repeat, so it goes through; the same id with
 * the same count (or lower: an older copy) is a repeat.
 */
export class SeenIds {
  /** Id → the highest count delivered for it; Maps iterate in insertion order, the first is the oldest. */
  private readonly ids = new Map<number, number>();

  constructor(private readonly capacity = 1000) {}

  /** Records `id` with its `count` (1 for a notification of one event); false if it was already seen at that count or higher. */
  add(id: number, count = 1): boolean {
    const known = this.ids.get(id);
    if (known !== undefined && count <= known) return false;
    this.ids.set(id, count);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.keys().next().value as number);
    return true;
  }

  has(id: number): boolean {
    return this.ids.has(id);
  }

  get size(): number {
    return this.ids.size;
  }

  /** The ids remembered, oldest delivery first. */
  values(): IterableIterator<number> {
    return this.ids.keys();
  }
}

/**
 * The ids of the last `capacity` notifications delivered, to drop repeats
 * (a push repeated after a router crash, one replayed and pushed at once
 * around a reconnect). Not "drop every id at or below the newest seen": with
 * several routers, a lower id can commit after a higher one and arrive
 * later, and must still be shown.
 */
export class SeenIds {
  private readonly ids = new Set<number>();

  constructor(private readonly capacity = 1000) {}

  /** Records `id`; false if it was already seen. */
  add(id: number): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    // Sets iterate in insertion order: the first is the oldest.
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as number);
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
    return this.ids.values();
  }
}

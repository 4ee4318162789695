import type { HeraldEvent } from "@herald/contract";
import type { Database } from "@herald/db";
import type { Relation } from "./decide-delivery";
import type { FanoutStore } from "./fanout-store";
import type { NotificationWriter } from "./notification-writer";
import type { RejectedEntry } from "./stream-consumer";

/** An event of a batch with its candidates found. */
export interface FoundEvent {
  readonly entryId: string;
  readonly event: HeraldEvent;
  readonly candidates: ReadonlyMap<string, Relation>;
}

export interface FanoutIntakeOptions {
  /** ROUTER_FANOUT_CHUNK: more candidates than this make a large fan-out. */
  readonly chunkSize: number;
  /** Dead-letter reason of an event whose id is already another producer's (route-batch's). */
  readonly idConflictReason: (id: string) => string;
  /** Who an event's id belongs to (producer and tenant): two owners' events with one id are two events. */
  readonly ownerOf: (event: HeraldEvent) => string;
  /** Told when fan-outs were accepted (the runner starts on them at once instead of at its next look). */
  readonly onAccepted: () => void;
}

/**
 * Where a batch hands over its large fan-outs: each such event is stored
 * (with the writer's id-conflict check) together with its fan-out row, in one
 * transaction, and its stream entry is then acknowledged with the rest of the
 * batch; FanoutRunner writes its recipients in chunks from there. A batch
 * thus never holds the stream for the length of a 100,000-recipient event.
 */
export class FanoutIntake {
  constructor(
    private readonly db: Database,
    private readonly store: NotificationWriter,
    private readonly fanouts: FanoutStore,
    private readonly options: FanoutIntakeOptions,
  ) {}

  /** Splits a batch's events into those routed inline and the large fan-outs. */
  split<T extends FoundEvent>(found: readonly T[]): { readonly inline: T[]; readonly large: T[] } {
    const inline: T[] = [];
    const large: T[] = [];
    for (const f of found) (f.candidates.size > this.options.chunkSize ? large : inline).push(f);
    return { inline, large };
  }

  /** Stores the events and their fan-out rows; returns the entries refused (an id another producer's event has). */
  async accept(large: readonly FoundEvent[], at: Date): Promise<RejectedEntry[]> {
    if (large.length === 0) return [];
    const { idConflictReason, ownerOf } = this.options;
    const rejected: RejectedEntry[] = [];
    // One event per id, as the writer's batch path keeps it: the first owner's; another owner's is refused.
    const firstOwner = new Map<string, string>();
    const accepted: FoundEvent[] = [];
    for (const f of large) {
      const owner = firstOwner.get(f.event.id);
      if (owner === undefined) {
        firstOwner.set(f.event.id, ownerOf(f.event));
        accepted.push(f);
      } else if (owner !== ownerOf(f.event)) rejected.push({ id: f.entryId, reason: idConflictReason(f.event.id) });
    }
    const events = accepted.map((f) => f.event);
    const idConflicts = await this.db.$transaction(async (tx) => {
      const { idConflicts } = await this.store.within(tx).persist(events, [], [], at);
      await this.fanouts.accept(
        tx,
        events.filter((e) => !idConflicts.has(e.id)),
      );
      return idConflicts;
    });
    for (const f of accepted) if (idConflicts.has(f.event.id)) rejected.push({ id: f.entryId, reason: idConflictReason(f.event.id) });
    if (idConflicts.size < accepted.length) this.options.onAccepted();
    return rejected;
  }
}

import type { Category, Notification, NotificationItem } from "@herald/client";

/** A notification as the panel shows it, whether it came from the REST list or a socket push. */
export interface Entry {
  readonly id: number;
  readonly type: string;
  readonly category: Category;
  readonly title: string;
  readonly body: string;
  readonly critical: boolean;
  readonly createdAt: string;
  read: boolean;
}

export function entryFromItem(item: NotificationItem): Entry {
  return {
    id: item.id,
    type: item.type,
    category: item.category,
    title: item.title,
    body: item.body,
    critical: item.critical,
    createdAt: item.createdAt,
    read: item.read,
  };
}

/** A pushed notification is new, so unread. */
export function entryFromPush(n: Notification): Entry {
  return {
    id: n.id,
    type: n.type,
    category: n.category,
    title: n.title,
    body: n.body,
    critical: n.critical,
    createdAt: n.createdAt,
    read: false,
  };
}

/**
 * The notifications loaded so far, by id. Pages of the list and pushes
 * overlap (a push also appears on the first page; a do-not-disturb release
 * arrives with an older id), so everything is keyed by id and shown newest
 * (highest id) first.
 */
export class NotificationStore {
  private readonly byId = new Map<number, Entry>();
  /** The cursor for the next (older) page: undefined before the first page, null when there are no more. */
  nextCursor: string | null | undefined = undefined;

  /** Adds or refreshes an entry; true if it was new. */
  upsert(entry: Entry): boolean {
    const known = this.byId.get(entry.id);
    this.byId.set(entry.id, known ? { ...entry, read: entry.read || known.read } : entry);
    return !known;
  }

  get(id: number): Entry | undefined {
    return this.byId.get(id);
  }

  setRead(id: number, read: boolean): void {
    const entry = this.byId.get(id);
    if (entry) entry.read = read;
  }

  markAllRead(): void {
    for (const entry of this.byId.values()) entry.read = true;
  }

  sorted(): Entry[] {
    return [...this.byId.values()].sort((a, b) => b.id - a.id);
  }

  get size(): number {
    return this.byId.size;
  }

  clear(): void {
    this.byId.clear();
    this.nextCursor = undefined;
  }
}

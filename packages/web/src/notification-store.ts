import type { Category, Notification, NotificationAction, NotificationItem } from "@herald/client";

/** A notification as the panel shows it, whether it came from the REST list or a socket push. */
export interface Entry {
  readonly id: number;
  readonly type: string;
  readonly category: Category;
  readonly title: string;
  readonly body: string;
  readonly critical: boolean;
  readonly createdAt: string;
  /** How many events a grouped notification stands for (1 for one). */
  readonly count: number;
  /** Where clicking it leads, as the server sent it (checked by linkTarget before it is followed). */
  readonly url: string | null;
  readonly actions: readonly NotificationAction[];
  /** A hardware alert an admin of the tenant acknowledged: who and when (the list says; live pushes do not). */
  readonly acknowledged: { readonly by: string; readonly at: string } | null;
  read: boolean;
}

/** What the second wave adds, from a server that may not send it (an older gateway), or send something malformed. */
function extras(n: Notification | NotificationItem): Pick<Entry, "count" | "url" | "actions" | "acknowledged"> {
  const count = typeof n.count === "number" && Number.isInteger(n.count) && n.count > 1 ? n.count : 1;
  const url = typeof n.url === "string" && n.url ? n.url : null;
  const actions = Array.isArray(n.actions)
    ? n.actions.filter((a): a is NotificationAction => typeof a?.id === "string" && typeof a.label === "string" && a.id !== "")
    : [];
  const acknowledged =
    typeof n.acknowledgedBy === "string" && typeof n.acknowledgedAt === "string" ? { by: n.acknowledgedBy, at: n.acknowledgedAt } : null;
  return { count, url, actions, acknowledged };
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
    ...extras(item),
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
    ...extras(n),
    read: false,
  };
}

/**
 * The notifications loaded so far, by id. Pages of the list and pushes
 * overlap (a push also appears on the first page; a do-not-disturb release
 * arrives with an older id), so everything is keyed by id and shown newest
 * (highest id) first. A grouped notification arrives again with the same id
 * and a new count: it replaces the entry.
 */
export class NotificationStore {
  private readonly byId = new Map<number, Entry>();
  /** The cursor for the next (older) page: undefined before the first page, null when there are no more. */
  nextCursor: string | null | undefined = undefined;

  /**
   * Adds or refreshes an entry; true if it was new. A push (a grouped notification's update) says nothing of an
   * acknowledgement: the one the list gave stays.
   */
  upsert(entry: Entry): boolean {
    const known = this.byId.get(entry.id);
    this.byId.set(
      entry.id,
      known ? { ...entry, read: entry.read || known.read, acknowledged: entry.acknowledged ?? known.acknowledged } : entry,
    );
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

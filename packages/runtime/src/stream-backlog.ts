import type { RedisClient } from "./redis";

/** The event stream as one consumer group sees it. */
export interface StreamBacklog {
  /** Entries in the stream: the router's backlog plus what subscriber groups still need (they are trimmed after). */
  readonly length: number;
  /** The group's state; undefined when it has none (before the router first starts, or after Redis lost it). */
  readonly group?: {
    /** Entries no consumer of the group has read yet; null when Redis cannot tell (after deletions ahead of it). */
    readonly lag: number | null;
    /** Entries read by one of its consumers and not yet acknowledged. */
    readonly pending: number;
  };
}

/** XINFO answers a flat [field, value, …] list per group. */
function fieldsOf(flat: readonly unknown[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = flat[i + 1];
  return fields;
}

/**
 * XLEN and the group's XINFO GROUPS fields, in one round trip (one key, so
 * one slot of a cluster). A stream that does not exist yet is empty, with no group.
 */
export async function readStreamBacklog(redis: RedisClient, stream: string, group: string): Promise<StreamBacklog> {
  const replies = await redis.multi().xlen(stream).xinfo("GROUPS", stream).exec();
  if (!replies) throw new Error("stream backlog read was aborted");
  const [[lengthError, length], [groupsError, groups]] = replies as [[Error | null, number], [Error | null, unknown[][]]];
  if (lengthError) throw lengthError;
  if (groupsError) {
    if (/no such key/i.test(groupsError.message)) return { length: 0 };
    throw groupsError;
  }
  const ours = groups.map(fieldsOf).find((g) => g.name === group);
  if (!ours) return { length: Number(length) };
  return { length: Number(length), group: { lag: typeof ours.lag === "number" ? ours.lag : null, pending: Number(ours.pending) } };
}

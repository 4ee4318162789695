/**
 * Where the bus keeps its events, for whatever reads them straight from Redis
 * (the router, `@herald/sdk` subscribers): one stream per installation, each
 * entry one event as JSON in its `event` field.
 */

/** HERALD_NAMESPACE's default: every key of an installation lives under its namespace. */
export const DEFAULT_NAMESPACE = "herald";

/** The field of a stream entry that holds the event, as JSON. */
export const EVENT_STREAM_FIELD = "event";

/**
 * The event stream's key. Its `{events}` hash tag keeps it on one slot of a
 * Redis Cluster with the idempotency keys the publish script touches with it.
 */
export function eventStreamKey(namespace: string): string {
  return `${namespace}:{events}:stream`;
}

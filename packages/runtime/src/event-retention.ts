import { positiveInt } from "./config-fields";

/**
 * How long the bus keeps events: the digest-scheduler deletes stored ones
 * past it, and the router trims the event stream past it even for a
 * subscriber that has not read them. One variable for both, so they agree.
 */
export const EVENT_RETENTION_ENV = {
  /** Events older than this are deleted (their notifications stay) and trimmed from the stream. */
  EVENT_RETENTION_MS: positiveInt(30 * 86_400_000),
};

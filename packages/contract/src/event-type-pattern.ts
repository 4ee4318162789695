/**
 * Event type patterns, as publish grants (`events:publish:system.*`) and
 * subscriptions (`eventTypes: ["job.*"]`) name the types they cover: an
 * exact type (`job.failed`), every type of a prefix (`job.*`), or `*`.
 */

/** Dot-separated lower-case names, as the catalog's types are, optionally ending in `.*`; or `*` alone. */
const TYPE_PATTERN = /^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$/;

export function isEventTypePattern(pattern: string): boolean {
  return TYPE_PATTERN.test(pattern);
}

/** `job.*` matches `job.failed` (not `job` itself, nor `jobs.x`); `*` every type; any other pattern only its own type. */
export function matchesEventTypePattern(pattern: string, eventType: string): boolean {
  if (pattern === "*") return true;
  if (!pattern.endsWith(".*")) return eventType === pattern;
  const prefix = pattern.slice(0, -1); // "job."
  return eventType.length > prefix.length && eventType.startsWith(prefix);
}

/** Whether any of the patterns matches the type. */
export function matchesAnyEventTypePattern(patterns: readonly string[], eventType: string): boolean {
  return patterns.some((pattern) => matchesEventTypePattern(pattern, eventType));
}

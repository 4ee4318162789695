import type { HistoryEvent } from "@herald/contract";

/** What an event is about, in the producer's words (as the router titles notifications); shown as text. */
export function subjectOf(event: HistoryEvent): string | undefined {
  const payload = (event.payload ?? {}) as Record<string, unknown>;
  for (const key of ["jobName", "name", "title", "host"]) {
    const value = payload[key];
    if (typeof value === "string" && value.trim()) return value.trim().slice(0, 200);
  }
  return undefined;
}
